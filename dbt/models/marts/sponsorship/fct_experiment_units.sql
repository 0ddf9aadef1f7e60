-- One row per experiment x exposed household (grain: experiment x household_ip_hash): the
-- experiment's unit of randomisation. A household is exposed when a counted impression of
-- the experiment's campaign carried one of its variants' creatives during the test;
-- its conversion window runs from that first impression for the campaign's attribution
-- window, cut at the data's horizon (the latest order).
with

experiments as (

    select * from {{ ref('dim_experiments') }}

),

impressions as (

    select * from {{ ref('fct_ad_impressions') }}
    where ad_type = 'dynamic' and household_ip_hash is not null

),

inserted_ads as (

    select inserted_ad_id, creative_id from {{ ref('int_inserted_ads_matched') }}

),

orders as (

    select * from {{ ref('int_orders_matched') }}

),

horizon as (

    select max(ordered_at) as data_until from orders

),

exposures as (

    select
        experiments.experiment_id,
        experiments.variant_id,
        impressions.household_ip_hash,
        impressions.delivered_at
    from impressions
    inner join inserted_ads
        on impressions.ad_id = inserted_ads.inserted_ad_id
    inner join experiments
        on inserted_ads.creative_id = experiments.creative_id
        and impressions.campaign_id = experiments.campaign_id
    where cast(impressions.delivered_at as date)
        between experiments.start_date and experiments.end_date

),

first_exposures as (

    select
        experiment_id,
        household_ip_hash,
        variant_id,
        delivered_at,
        row_number() over (
            partition by experiment_id, household_ip_hash
            order by delivered_at, variant_id
        ) as exposure_rank
    from exposures

),

units as (

    select
        exposures.experiment_id,
        exposures.household_ip_hash,
        min(exposures.delivered_at) as first_exposed_at,
        count(*) as impressions,
        count(distinct exposures.variant_id) as variants_seen
    from exposures
    group by exposures.experiment_id, exposures.household_ip_hash

),

windows as (

    select distinct
        experiment_id,
        tenant_id,
        sponsor_id,
        attribution_window_days
    from experiments

),

unit_windows as (

    select
        units.experiment_id,
        units.household_ip_hash,
        windows.tenant_id,
        windows.sponsor_id,
        first_exposures.variant_id,
        units.first_exposed_at,
        units.impressions,
        units.variants_seen,
        {{ dbt.dateadd('day', 'windows.attribution_window_days', 'units.first_exposed_at') }}
            as window_ends_at,
        horizon.data_until
    from units
    inner join first_exposures
        on units.experiment_id = first_exposures.experiment_id
        and units.household_ip_hash = first_exposures.household_ip_hash
        and first_exposures.exposure_rank = 1
    inner join windows
        on units.experiment_id = windows.experiment_id
    cross join horizon

),

final as (

    select
        {{ surrogate_key(['unit_windows.experiment_id', 'unit_windows.household_ip_hash']) }}
            as experiment_unit_id,
        unit_windows.experiment_id,
        unit_windows.household_ip_hash,
        unit_windows.tenant_id,
        unit_windows.sponsor_id,
        unit_windows.variant_id,
        unit_windows.variants_seen > 1 as is_mixed_exposure,
        unit_windows.first_exposed_at,
        unit_windows.impressions,
        unit_windows.window_ends_at,
        case
            when unit_windows.data_until is null
                or unit_windows.data_until > unit_windows.window_ends_at
                then unit_windows.window_ends_at
            else unit_windows.data_until
        end as observed_until,
        count(orders.order_id) as orders,
        min(orders.ordered_at) as first_ordered_at
    from unit_windows
    left join orders
        on unit_windows.household_ip_hash = orders.household_ip_hash
        and unit_windows.sponsor_id = orders.sponsor_id
        and orders.ordered_at >= unit_windows.first_exposed_at
        and orders.ordered_at <= unit_windows.window_ends_at
    group by
        unit_windows.experiment_id,
        unit_windows.household_ip_hash,
        unit_windows.tenant_id,
        unit_windows.sponsor_id,
        unit_windows.variant_id,
        unit_windows.variants_seen,
        unit_windows.first_exposed_at,
        unit_windows.impressions,
        unit_windows.window_ends_at,
        unit_windows.data_until

)

select * from final
