-- One row per show x ISO week (Monday): the revenue metric tree of PRODUCT.md, every node a
-- column, so that a week-over-week change decomposes exactly:
--   ad_revenue        = downloads x ad_slots_per_download x fill_rate x effective_cpm / 1000
--   revenue           = ad_revenue + subscription_revenue + partner_payouts
--   rpm               = 1000 x revenue / downloads
-- downloads: counted IAB downloads (fct_downloads); ad_slots: the ad positions (pre, mid,
-- post) the downloaded episodes carry, known from their baked-in ads and ad-delivery logs;
-- ads_delivered: fct_ad_impressions; ad_revenue: the delivery spend of the show's cpm and
-- flat line items (fct_campaign_delivery_daily; cpa campaigns bill per conversion, not per
-- show: see fct_campaign_roi); subscription_revenue: each active subscription's monthly
-- price x 12 / 365 per day active in the week; partner_payouts: payouts paid that week.
-- is_complete: every day of the week lies in the access logs' coverage (see
-- macros/audience/period_coverage.sql); a week the logs reach in part has part of its downloads.
with

downloads as (

    select * from {{ ref('fct_downloads') }}

),

impressions as (

    select * from {{ ref('fct_ad_impressions') }}

),

baked_in_ads as (

    select * from {{ ref('stg_ad_delivery__baked_in_ads') }}

),

inserted_ads as (

    select * from {{ ref('int_inserted_ads_matched') }}

),

delivery as (

    select * from {{ ref('fct_campaign_delivery_daily') }}

),

subscriptions as (

    select * from {{ ref('stg_engagement__subscriptions') }}

),

partner_events as (

    select * from {{ ref('stg_engagement__partner_program_events') }}

),

shows as (

    select * from {{ ref('dim_shows') }}

),

reconciliation as (

    select * from {{ ref('fct_download_reconciliation_daily') }}

),

covered_days as (

    {{ covered_days('reconciliation') }}

),

complete_weeks as (

    {{ complete_periods('covered_days', ['week']) }}

),

horizon as (

    select max(download_date) as data_until from downloads

),

episode_slots as (

    select episode_id, count(distinct ad_position) as ad_slots
    from (
        select episode_id, ad_position from baked_in_ads
        union
        select episode_id, ad_position from inserted_ads where episode_id is not null
    ) as positions
    group by episode_id

),

weekly_downloads as (

    select
        downloads.show_id,
        {{ period_start('week', 'downloads.download_date') }} as week_start_date,
        count(*) as downloads,
        sum(coalesce(episode_slots.ad_slots, 0)) as ad_slots
    from downloads
    left join episode_slots
        on downloads.episode_id = episode_slots.episode_id
    group by 1, 2

),

weekly_ads as (

    select
        show_id,
        {{ period_start('week', 'impression_date') }} as week_start_date,
        count(*) as ads_delivered
    from impressions
    group by 1, 2

),

weekly_ad_revenue as (

    select
        show_id,
        {{ period_start('week', 'delivery_date') }} as week_start_date,
        {{ exact_sum('coalesce(spend, 0)') }} as ad_revenue
    from delivery
    group by 1, 2

),

subscription_offsets as (

    select
        subscriptions.show_id,
        cast(subscriptions.started_at as date) as started_date,
        subscriptions.monthly_price * 12 / 365 as daily_revenue,
        {{ day_offsets(dbt.datediff(
            'cast(subscriptions.started_at as date)',
            'least(cast(coalesce(subscriptions.ended_at, horizon.data_until) as date), '
            ~ 'horizon.data_until)', 'day')) }} as day_offset
    from subscriptions
    cross join horizon

),

subscription_days as (

    select
        show_id,
        cast({{ dbt.dateadd('day', 'day_offset', 'started_date') }} as date) as active_date,
        daily_revenue
    from subscription_offsets

),

weekly_subscriptions as (

    select
        show_id,
        {{ period_start('week', 'active_date') }} as week_start_date,
        {{ exact_sum('daily_revenue') }} as subscription_revenue
    from subscription_days
    group by 1, 2

),

weekly_payouts as (

    select
        show_id,
        {{ period_start('week', 'event_at') }} as week_start_date,
        {{ exact_sum('payout_amount') }} as partner_payouts
    from partner_events
    where program_status = 'payout'
    group by 1, 2

),

show_weeks as (

    select show_id, week_start_date from weekly_downloads
    union
    select show_id, week_start_date from weekly_ad_revenue
    union
    select show_id, week_start_date from weekly_subscriptions
    union
    select show_id, week_start_date from weekly_payouts

),

joined as (

    select
        show_weeks.show_id,
        show_weeks.week_start_date,
        shows.tenant_id,
        complete_weeks.period_start_date is not null as is_complete,
        coalesce(weekly_downloads.downloads, 0) as downloads,
        coalesce(weekly_downloads.ad_slots, 0) as ad_slots,
        coalesce(weekly_ads.ads_delivered, 0) as ads_delivered,
        cast(coalesce(weekly_ad_revenue.ad_revenue, 0) as {{ type_double() }}) as ad_revenue,
        cast(coalesce(weekly_subscriptions.subscription_revenue, 0) as {{ type_double() }})
            as subscription_revenue,
        cast(coalesce(weekly_payouts.partner_payouts, 0) as {{ type_double() }})
            as partner_payouts
    from show_weeks
    inner join shows
        on show_weeks.show_id = shows.show_id
    left join weekly_downloads
        on show_weeks.show_id = weekly_downloads.show_id
        and show_weeks.week_start_date = weekly_downloads.week_start_date
    left join weekly_ads
        on show_weeks.show_id = weekly_ads.show_id
        and show_weeks.week_start_date = weekly_ads.week_start_date
    left join weekly_ad_revenue
        on show_weeks.show_id = weekly_ad_revenue.show_id
        and show_weeks.week_start_date = weekly_ad_revenue.week_start_date
    left join weekly_subscriptions
        on show_weeks.show_id = weekly_subscriptions.show_id
        and show_weeks.week_start_date = weekly_subscriptions.week_start_date
    left join weekly_payouts
        on show_weeks.show_id = weekly_payouts.show_id
        and show_weeks.week_start_date = weekly_payouts.week_start_date
    left join complete_weeks
        on show_weeks.week_start_date = complete_weeks.period_start_date

),

final as (

    select
        {{ surrogate_key(['show_id', 'week_start_date']) }} as show_week_id,
        tenant_id,
        show_id,
        week_start_date,
        is_complete,
        downloads,
        ad_slots,
        cast(ad_slots as {{ type_double() }}) / nullif(downloads, 0) as ad_slots_per_download,
        ads_delivered,
        cast(ads_delivered as {{ type_double() }}) / nullif(ad_slots, 0) as fill_rate,
        1000 * ad_revenue / nullif(ads_delivered, 0) as effective_cpm,
        ad_revenue,
        subscription_revenue,
        partner_payouts,
        ad_revenue + subscription_revenue + partner_payouts as revenue,
        1000 * (ad_revenue + subscription_revenue + partner_payouts)
            / nullif(downloads, 0) as rpm
    from joined

)

select * from final
