-- One row per show x ISO week (Monday, UTC) of the data's span: the engagement nodes of the
-- metric tree (METHODOLOGY.md, "Engagement and creator marts").
--   completion_rate         = sum(covered bytes) / sum(enclosure bytes) over the week's
--                             counted downloads of episodes with a known size (a ratio of
--                             sums: a download weighs by its file's size)
--   comments_per_episode    = comments / episodes released that week (null without one)
--   subscription_conversion = new subscriptions / listeners of the week
--   partner activation      = the show's first `active` programme event on or before the
--                             week's Sunday; weeks since then
-- Counts sum fct_show_engagement_daily (zero-filled); listeners are distinct in the week.
-- is_complete: every day of the week lies in the access logs' coverage.
with

daily as (

    select * from {{ ref('fct_show_engagement_daily') }}

),

downloads as (

    select * from {{ ref('fct_downloads') }}

),

episodes as (

    select * from {{ ref('dim_episodes') }}

),

stages as (

    select * from {{ ref('int_partner_program_stages_reached') }}

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

weekly_counts as (

    select
        tenant_id,
        show_id,
        {{ period_start('week', 'activity_date') }} as week_start_date,
        max(activity_date) as last_activity_date,
        cast(sum(follows) as {{ dbt.type_bigint() }}) as follows,
        cast(sum(unfollows) as {{ dbt.type_bigint() }}) as unfollows,
        cast(sum(comments) as {{ dbt.type_bigint() }}) as comments,
        cast(sum(shares) as {{ dbt.type_bigint() }}) as shares,
        cast(sum(new_subscriptions) as {{ dbt.type_bigint() }}) as new_subscriptions,
        cast(sum(downloads) as {{ dbt.type_bigint() }}) as downloads
    from daily
    group by tenant_id, show_id, {{ period_start('week', 'activity_date') }}

),

-- subscriptions active on the week's last day of the span
week_end_subscriptions as (

    select weekly_counts.show_id, weekly_counts.week_start_date, daily.active_subscriptions
    from weekly_counts
    inner join daily
        on weekly_counts.show_id = daily.show_id
        and weekly_counts.last_activity_date = daily.activity_date

),

weekly_audience as (

    select
        downloads.show_id,
        {{ period_start('week', 'downloads.download_date') }} as week_start_date,
        count(distinct downloads.listener_key) as listeners,
        cast(sum(case when episodes.enclosure_length_bytes > 0
            then least(downloads.covered_bytes, episodes.enclosure_length_bytes) end)
            as {{ dbt.type_bigint() }}) as covered_bytes,
        cast(sum(case when episodes.enclosure_length_bytes > 0
            then episodes.enclosure_length_bytes end) as {{ dbt.type_bigint() }})
            as enclosure_bytes
    from downloads
    left join episodes
        on downloads.episode_id = episodes.episode_id
    group by downloads.show_id, {{ period_start('week', 'downloads.download_date') }}

),

weekly_releases as (

    select
        show_id,
        {{ period_start('week', 'published_date') }} as week_start_date,
        count(*) as episodes_released
    from episodes
    where published_date is not null
    group by show_id, {{ period_start('week', 'published_date') }}

),

activations as (

    select show_id, first_reached_date as activated_date
    from stages
    where program_status = 'active'

),

joined as (

    select
        weekly_counts.*,
        complete_weeks.period_start_date is not null as is_complete,
        coalesce(weekly_audience.listeners, 0) as listeners,
        coalesce(weekly_audience.covered_bytes, 0) as covered_bytes,
        coalesce(weekly_audience.enclosure_bytes, 0) as enclosure_bytes,
        coalesce(weekly_releases.episodes_released, 0) as episodes_released,
        coalesce(week_end_subscriptions.active_subscriptions, 0) as active_subscriptions,
        activations.activated_date
    from weekly_counts
    left join complete_weeks
        on weekly_counts.week_start_date = complete_weeks.period_start_date
    left join weekly_audience
        on weekly_counts.show_id = weekly_audience.show_id
        and weekly_counts.week_start_date = weekly_audience.week_start_date
    left join weekly_releases
        on weekly_counts.show_id = weekly_releases.show_id
        and weekly_counts.week_start_date = weekly_releases.week_start_date
    left join week_end_subscriptions
        on weekly_counts.show_id = week_end_subscriptions.show_id
        and weekly_counts.week_start_date = week_end_subscriptions.week_start_date
    left join activations
        on weekly_counts.show_id = activations.show_id

),

final as (

    select
        {{ surrogate_key(['show_id', 'week_start_date']) }} as show_week_id,
        tenant_id,
        show_id,
        week_start_date,
        is_complete,
        downloads,
        listeners,
        covered_bytes,
        enclosure_bytes,
        cast(covered_bytes as {{ type_double() }}) / nullif(enclosure_bytes, 0)
            as completion_rate,
        follows,
        unfollows,
        follows - unfollows as net_follows,
        comments,
        episodes_released,
        cast(comments as {{ type_double() }}) / nullif(episodes_released, 0)
            as comments_per_episode,
        1000 * cast(comments as {{ type_double() }}) / nullif(downloads, 0)
            as comments_per_1000_downloads,
        shares,
        new_subscriptions,
        cast(new_subscriptions as {{ type_double() }}) / nullif(listeners, 0)
            as subscription_conversion,
        active_subscriptions,
        coalesce(activated_date <= cast({{ dbt.dateadd('day', 6, 'week_start_date') }} as date),
            false) as is_partner_active,
        activated_date as partner_activated_date,
        case
            when activated_date <= cast({{ dbt.dateadd('day', 6, 'week_start_date') }} as date)
                -- both Mondays: the day difference is a multiple of 7
                then cast({{ dbt.datediff(period_start('week', 'activated_date'),
                                          'week_start_date', 'day') }} / 7 as {{ dbt.type_bigint() }})
        end as weeks_since_partner_activation
    from joined

)

select * from final
