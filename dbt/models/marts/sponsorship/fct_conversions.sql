-- One row per conversion (order): revenue, the buyer's household, the deterministic
-- signals (promo code, survey) and how many touchpoints its path holds.
with

orders as (

    select * from {{ ref('int_orders_matched') }}

),

sponsors as (

    select * from {{ ref('dim_sponsors') }}

),

touches as (

    select * from {{ ref('int_touchpoints_matched') }}

),

path_stats as (

    select
        conversion_id,
        count(*) as touchpoint_count,
        count(distinct campaign_id) as campaign_count,
        min(touched_at) as first_touched_at
    from touches
    group by conversion_id

),

final as (

    select
        orders.order_id as conversion_id,
        sponsors.tenant_id,
        orders.sponsor_id,
        orders.ordered_at as converted_at,
        cast(orders.ordered_at as date) as conversion_date,
        orders.revenue,
        orders.currency,
        orders.household_ip_hash,
        orders.discount_code,
        orders.promo_campaign_id,
        orders.landing_url,
        orders.survey_answer,
        orders.survey_podcast,
        coalesce(path_stats.touchpoint_count, 0) as touchpoint_count,
        coalesce(path_stats.campaign_count, 0) as campaign_count,
        path_stats.first_touched_at,
        path_stats.conversion_id is not null as is_attributable
    from orders
    left join sponsors
        on orders.sponsor_id = sponsors.sponsor_id
    left join path_stats
        on orders.order_id = path_stats.conversion_id

)

select * from final
