-- One row per listener key x show x ISO week with at least one counted download of the
-- show: how much the key listened that week, the features of the listener-churn model
-- (analyses.listener_churn). A key's weeks without downloads have no row. Completion: the
-- bytes a download covered, capped at the file's size, over the sizes known.
with

downloads as (

    select * from {{ ref('fct_downloads') }}

),

episodes as (

    select * from {{ ref('int_episodes_sized') }}

),

reconciliation as (

    select * from {{ ref('fct_download_reconciliation_daily') }}

),

sized as (

    select
        downloads.download_id,
        downloads.tenant_id,
        downloads.show_id,
        downloads.episode_id,
        downloads.listener_key,
        downloads.app_name,
        downloads.device_category,
        downloads.download_date,
        {{ period_start('week', 'downloads.download_date') }} as week_start_date,
        downloads.covered_bytes,
        episodes.file_size_bytes,
        -- a window can cover bytes the feed's length does not count (a re-encoded file)
        case
            when episodes.file_size_bytes > 0
                then least(downloads.covered_bytes, episodes.file_size_bytes)
        end as listened_bytes
    from downloads
    left join episodes
        on downloads.episode_id = episodes.episode_id

),

covered_days as (

    {{ covered_days('reconciliation') }}

),

complete_weeks as (

    {{ complete_periods('covered_days', ['week']) }}

),

weekly as (

    select
        tenant_id,
        show_id,
        listener_key,
        week_start_date,
        max(app_name) as app_name,
        max(device_category) as device_category,
        count(*) as downloads,
        count(distinct episode_id) as episodes_downloaded,
        count(distinct download_date) as days_active,
        sum(listened_bytes) as listened_bytes,
        sum(case when listened_bytes is not null then file_size_bytes end) as file_bytes,
        min(download_date) as first_download_date_in_week,
        max(download_date) as last_download_date
    from sized
    group by tenant_id, show_id, listener_key, week_start_date

),

final as (

    select
        {{ surrogate_key(['weekly.listener_key', 'weekly.show_id',
                          'weekly.week_start_date']) }} as listener_show_week_id,
        weekly.tenant_id,
        weekly.show_id,
        weekly.listener_key,
        weekly.week_start_date,
        complete_weeks.period_start_date is not null as is_complete,
        weekly.app_name,
        weekly.device_category,
        weekly.downloads,
        weekly.episodes_downloaded,
        weekly.days_active,
        case
            when weekly.file_bytes > 0
                then cast(weekly.listened_bytes as {{ type_double() }}) / weekly.file_bytes
        end as completion_rate,
        weekly.last_download_date,
        {{ dbt.datediff('weekly.last_download_date',
                        dbt.dateadd('day', 6, 'weekly.week_start_date'), 'day') }}
            as days_since_last_download,
        min(weekly.first_download_date_in_week) over (
            partition by weekly.listener_key, weekly.show_id
        ) as first_download_date
    from weekly
    left join complete_weeks
        on weekly.week_start_date = complete_weeks.period_start_date

)

select * from final
