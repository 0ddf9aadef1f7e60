-- One row per episode: counted downloads within 1, 3, 7 and 30 days of release (windows
-- opened before published_at + N days) and all time. A milestone the data doesn't reach yet
-- (the latest counted request is earlier than release + N days) is null, not a low count;
-- so are all four for an episode released before the logs begin (its first days are unseen)
-- and for a show no access log measures (a host reports its downloads: see
-- fct_host_reported_downloads_daily).
-- Rebuilt in full each run but cheaply: all-time figures add up fct_episode_daily, and only
-- the windows opened within 30 days of an episode's release are read.
{%- set milestones = [1, 3, 7, 30] %}
with

windows as (

    select * from {{ ref('int_downloads_windowed') }}

),

daily as (

    select * from {{ ref('fct_episode_daily') }}

),

episodes as (

    select * from {{ ref('dim_episodes') }}

),

data_horizon as (

    select
        -- midnight of the first day with a counted download: the logs' start
        cast(cast(min(window_started_at) as date) as {{ dbt.type_timestamp() }})
            as measured_from,
        max(last_request_at) as measured_until
    from windows
    where is_counted

),

early_downloads as (

    select
        windows.episode_id,
        {%- for days in milestones %}
        sum(case
            when windows.window_started_at
                < episodes.published_at + {{ hours_interval(24 * days) }} then 1 else 0
        end) as downloads_in_window_{{ days }}d{% if not loop.last %},{% endif %}
        {%- endfor %}
    from windows
    inner join episodes
        on windows.episode_id = episodes.episode_id
    where windows.is_counted
        and windows.window_started_at
            < episodes.published_at + {{ hours_interval(24 * milestones[-1]) }}
    group by windows.episode_id

),

measured_shows as (

    select distinct episodes.show_id
    from windows
    inner join episodes
        on windows.episode_id = episodes.episode_id
    where windows.is_counted

),

all_time as (

    select
        episode_id,
        sum(downloads) as downloads_all_time,
        min(download_date) as first_download_date,
        max(download_date) as latest_download_date
    from daily
    group by episode_id

),

final as (

    select
        episodes.episode_id,
        episodes.tenant_id,
        episodes.show_id,
        episodes.published_at,
        {%- for days in milestones %}
        case
            when measured_shows.show_id is not null
                and episodes.published_at >= data_horizon.measured_from
                and episodes.published_at + {{ hours_interval(24 * days) }}
                <= data_horizon.measured_until
                then coalesce(early_downloads.downloads_in_window_{{ days }}d, 0)
        end as downloads_day_{{ days }},
        {%- endfor %}
        coalesce(all_time.downloads_all_time, 0) as downloads_all_time,
        all_time.first_download_date,
        all_time.latest_download_date,
        data_horizon.measured_from,
        data_horizon.measured_until
    from episodes
    cross join data_horizon
    left join early_downloads
        on episodes.episode_id = early_downloads.episode_id
    left join all_time
        on episodes.episode_id = all_time.episode_id
    left join measured_shows
        on episodes.show_id = measured_shows.show_id

)

select * from final
