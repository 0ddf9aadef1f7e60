-- One row per touchpoint on an order's conversion path (the matching rules, METHODOLOGY.md
-- "Attribution"):
--   impression - a delivered ad of the order's sponsor to the buyer's household (hashed IP,
--                IPv6 /64) within the campaign's attribution window before the order;
--   utm_visit  - a pixel visit of the household tagged utm_campaign=<campaign>, same window;
--   vanity_url - a pixel visit of the household landing on a campaign's vanity URL, same
--                window;
--   promo_code - the order's discount code is a campaign's promo code (deterministic: no
--                window), placed at the order;
--   survey     - the post-purchase survey names a podcast the sponsor's campaign ran on
--                (deterministic), placed at the order.
-- Touches carry the order's time and revenue, so attribution needs nothing else.
with

orders as (

    select * from {{ ref('int_orders_matched') }}

),

impressions as (

    select * from {{ ref('int_ad_impressions_delivered') }}

),

visits as (

    select * from {{ ref('int_visits_tagged') }}

),

campaigns as (

    select * from {{ ref('int_campaigns_validated') }}

),

line_items as (

    select * from {{ ref('int_line_items_validated') }}

),

shows as (

    select * from {{ ref('int_shows_enriched') }}

),

impression_touches as (

    select
        orders.order_id,
        'impression' as touch_type,
        impressions.ad_impression_id as touch_source_id,
        impressions.campaign_id,
        impressions.line_item_id,
        impressions.show_id,
        impressions.delivered_at as touched_at
    from orders
    inner join impressions
        on orders.household_ip_hash = impressions.household_ip_hash
        and orders.sponsor_id = impressions.sponsor_id
        and impressions.delivered_at <= orders.ordered_at
    inner join campaigns
        on impressions.campaign_id = campaigns.campaign_id
    where impressions.delivered_at
        > {{ dbt.dateadd('day', '-campaigns.attribution_window_days', 'orders.ordered_at') }}

),

visit_touches as (

    select
        orders.order_id,
        case when visits.vanity_campaign_id is not null then 'vanity_url' else 'utm_visit' end
            as touch_type,
        visits.pixel_visit_id as touch_source_id,
        campaigns.campaign_id,
        cast(null as {{ dbt.type_string() }}) as line_item_id,
        cast(null as {{ dbt.type_string() }}) as show_id,
        visits.visited_at as touched_at
    from orders
    inner join visits
        on orders.household_ip_hash = visits.household_ip_hash
        and orders.sponsor_id = visits.sponsor_id
        and visits.visited_at <= orders.ordered_at
    inner join campaigns
        on coalesce(visits.vanity_campaign_id, visits.utm_campaign_id) = campaigns.campaign_id
    where visits.visited_at
        > {{ dbt.dateadd('day', '-campaigns.attribution_window_days', 'orders.ordered_at') }}

),

promo_touches as (

    select
        order_id,
        'promo_code' as touch_type,
        order_id as touch_source_id,
        promo_campaign_id as campaign_id,
        cast(null as {{ dbt.type_string() }}) as line_item_id,
        cast(null as {{ dbt.type_string() }}) as show_id,
        ordered_at as touched_at
    from orders
    where promo_campaign_id is not null

),

-- the podcast named in the survey, by title, among the shows the sponsor's campaigns
-- booked; the campaign live at the order (else the latest one before it)
survey_candidates as (

    select
        orders.order_id,
        line_items.campaign_id,
        line_items.show_id,
        orders.ordered_at,
        row_number() over (
            partition by orders.order_id
            order by
                case when orders.ordered_at >= campaigns.start_date then 0 else 1 end,
                campaigns.start_date desc,
                line_items.campaign_id,
                line_items.show_id
        ) as candidate_rank
    from orders
    inner join shows
        on lower(trim(orders.survey_podcast)) = lower(trim(shows.title))
    inner join line_items
        on shows.show_id = line_items.show_id
        and orders.sponsor_id = line_items.sponsor_id
    inner join campaigns
        on line_items.campaign_id = campaigns.campaign_id
    where orders.survey_podcast is not null

),

survey_touches as (

    select
        order_id,
        'survey' as touch_type,
        order_id as touch_source_id,
        campaign_id,
        cast(null as {{ dbt.type_string() }}) as line_item_id,
        show_id,
        ordered_at as touched_at
    from survey_candidates
    where candidate_rank = 1

),

touches as (

    select * from impression_touches
    union all
    select * from visit_touches
    union all
    select * from promo_touches
    union all
    select * from survey_touches

),

final as (

    select
        {{ surrogate_key(['touches.order_id', 'touches.touch_type', 'touches.touch_source_id']) }}
            as touchpoint_id,
        touches.order_id as conversion_id,
        campaigns.tenant_id,
        orders.sponsor_id,
        touches.campaign_id,
        touches.line_item_id,
        touches.show_id,
        touches.touch_type,
        touches.touch_type || ':' || touches.campaign_id as channel,
        touches.touch_source_id,
        touches.touched_at,
        orders.ordered_at as converted_at,
        orders.revenue
    from touches
    inner join orders
        on touches.order_id = orders.order_id
    inner join campaigns
        on touches.campaign_id = campaigns.campaign_id

)

select * from final
