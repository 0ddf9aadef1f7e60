-- One row per show x day of the data's span: platform engagement (follows, unfollows,
-- comments, shares), subscriptions and audience (counted downloads, listeners), zero-filled
-- so each show's series is continuous, with whether comments were switched on that day.
-- The span runs from the earliest to the latest day holding a counted download or an
-- engagement event (any show's). Days are UTC.
-- A subscription is active on each day from its start day to its end day, both included
-- (as in fct_show_revenue_weekly); new on its start day.
with

shows as (

    select * from {{ ref('dim_shows') }}

),

events as (

    select * from {{ ref('stg_engagement__events') }}

),

subscriptions as (

    select * from {{ ref('stg_engagement__subscriptions') }}

),

downloads as (

    select * from {{ ref('fct_downloads') }}

),

rollouts as (

    select * from {{ ref('dim_feature_rollouts') }}

),

activity_days as (

    select cast(event_at as date) as activity_date from events
    union all
    select download_date as activity_date from downloads

),

span as (

    select min(activity_date) as first_date, max(activity_date) as last_date
    from activity_days

),

span_days as (

    select cast({{ dbt.dateadd('day', 'day_offset', 'first_date') }} as date) as activity_date
    from (
        select first_date, {{ day_offsets(dbt.datediff('first_date', 'last_date', 'day')) }}
            as day_offset
        from span
        where first_date is not null
    ) as offsets

),

show_days as (

    select shows.tenant_id, shows.show_id, span_days.activity_date
    from shows
    cross join span_days

),

daily_events as (

    select
        show_id,
        cast(event_at as date) as activity_date,
        cast(sum(case when event_type = 'follow' then 1 else 0 end) as {{ dbt.type_bigint() }}) as follows,
        cast(sum(case when event_type = 'unfollow' then 1 else 0 end) as {{ dbt.type_bigint() }}) as unfollows,
        cast(sum(case when event_type = 'comment' then 1 else 0 end) as {{ dbt.type_bigint() }}) as comments,
        cast(sum(case when event_type = 'share' then 1 else 0 end) as {{ dbt.type_bigint() }}) as shares
    from events
    group by show_id, cast(event_at as date)

),

daily_new_subscriptions as (

    select show_id, cast(started_at as date) as activity_date, count(*) as new_subscriptions
    from subscriptions
    group by show_id, cast(started_at as date)

),

active_subscriptions as (

    select
        show_days.show_id,
        show_days.activity_date,
        count(*) as active_subscriptions
    from show_days
    inner join subscriptions
        on show_days.show_id = subscriptions.show_id
        and cast(subscriptions.started_at as date) <= show_days.activity_date
        and (subscriptions.ended_at is null
            or cast(subscriptions.ended_at as date) >= show_days.activity_date)
    group by show_days.show_id, show_days.activity_date

),

daily_downloads as (

    select
        show_id,
        download_date as activity_date,
        count(*) as downloads,
        count(distinct listener_key) as listeners
    from downloads
    group by show_id, download_date

),

comments_rollouts as (

    select show_id, enabled_date from rollouts where feature_name = 'comments'

),

final as (

    select
        {{ surrogate_key(['show_days.show_id', 'show_days.activity_date']) }} as show_day_id,
        show_days.tenant_id,
        show_days.show_id,
        show_days.activity_date,
        coalesce(daily_events.follows, 0) as follows,
        coalesce(daily_events.unfollows, 0) as unfollows,
        coalesce(daily_events.comments, 0) as comments,
        coalesce(daily_events.shares, 0) as shares,
        coalesce(daily_new_subscriptions.new_subscriptions, 0) as new_subscriptions,
        coalesce(active_subscriptions.active_subscriptions, 0) as active_subscriptions,
        coalesce(daily_downloads.downloads, 0) as downloads,
        coalesce(daily_downloads.listeners, 0) as listeners,
        coalesce(comments_rollouts.enabled_date <= show_days.activity_date, false)
            as comments_enabled
    from show_days
    left join daily_events
        on show_days.show_id = daily_events.show_id
        and show_days.activity_date = daily_events.activity_date
    left join daily_new_subscriptions
        on show_days.show_id = daily_new_subscriptions.show_id
        and show_days.activity_date = daily_new_subscriptions.activity_date
    left join active_subscriptions
        on show_days.show_id = active_subscriptions.show_id
        and show_days.activity_date = active_subscriptions.activity_date
    left join daily_downloads
        on show_days.show_id = daily_downloads.show_id
        and show_days.activity_date = daily_downloads.activity_date
    left join comments_rollouts
        on show_days.show_id = comments_rollouts.show_id

)

select * from final
