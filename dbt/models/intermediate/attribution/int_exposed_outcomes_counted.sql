-- One row per campaign with an exposed household (grain: campaign_id): the exposed side of
-- fct_campaign_incrementality. Each household is observed from its first exposure to its
-- last exposure + the campaign's attribution window (the data's horizon, the latest order,
-- at most); its orders from the campaign's sponsor in that period are its conversions.
with

campaigns as (

    select * from {{ ref('int_campaigns_validated') }}

),

exposures as (

    select * from {{ ref('int_exposures_rolled_up_to_households') }}

),

orders as (

    select * from {{ ref('int_orders_matched') }}

),

horizon as (

    select max(ordered_at) as data_until from orders

),

exposed_periods as (

    select
        exposures.campaign_id,
        exposures.household_ip_hash,
        campaigns.sponsor_id,
        exposures.first_delivered_at as first_exposed_at,
        least(
            {{ dbt.dateadd('day', 'campaigns.attribution_window_days', 'exposures.last_delivered_at') }},
            horizon.data_until
        ) as observed_until
    from exposures
    inner join campaigns
        on exposures.campaign_id = campaigns.campaign_id
    cross join horizon

),

exposed_orders as (

    select
        exposed_periods.campaign_id,
        exposed_periods.household_ip_hash,
        greatest(cast({{ dbt.datediff('exposed_periods.first_exposed_at',
                                      'exposed_periods.observed_until', 'second') }}
                      as {{ type_double() }}), 0) / 86400 as observed_days,
        count(orders.order_id) as orders
    from exposed_periods
    left join orders
        on exposed_periods.household_ip_hash = orders.household_ip_hash
        and exposed_periods.sponsor_id = orders.sponsor_id
        and orders.ordered_at >= exposed_periods.first_exposed_at
        and orders.ordered_at <= exposed_periods.observed_until
    group by 1, 2, 3

),

exposed_outcomes as (

    select
        campaign_id,
        count(*) as exposed_households,
        {{ exact_sum("observed_days") }} as exposed_household_days,
        sum(orders) as exposed_conversions
    from exposed_orders
    group by campaign_id

)

select * from exposed_outcomes
