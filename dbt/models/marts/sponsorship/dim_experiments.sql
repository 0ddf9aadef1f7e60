-- One row per declared A/B test x variant on a valid campaign (grain: experiment x
-- variant): the bookings' experiments with the campaign's tenant, sponsor and attribution
-- window, which the readout's conversion window is.
with

experiments as (

    select * from {{ ref('stg_bookings__experiments') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

final as (

    select
        {{ surrogate_key(['experiments.experiment_id', 'experiments.variant_id']) }}
            as experiment_variant_id,
        experiments.experiment_id,
        experiments.variant_id,
        campaigns.tenant_id,
        experiments.campaign_id,
        campaigns.sponsor_id,
        coalesce(experiments.test_type, 'creative') as test_type,
        experiments.is_control,
        experiments.creative_id,
        experiments.offer,
        experiments.promo_code,
        experiments.allocation_share,
        experiments.start_date,
        experiments.end_date,
        coalesce(experiments.primary_metric, 'order') as primary_metric,
        experiments.minimum_detectable_effect,
        experiments.planned_units_per_variant,
        coalesce(experiments.planned_looks, 1) as planned_looks,
        campaigns.attribution_window_days
    from experiments
    inner join campaigns
        on experiments.campaign_id = campaigns.campaign_id

)

select * from final
