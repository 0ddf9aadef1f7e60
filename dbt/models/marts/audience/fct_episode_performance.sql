-- One row per episode: counted downloads within 1, 3, 7 and 30 days of release (windows
-- opened before published_at + N days) and all time. A milestone the data doesn't reach yet
-- (the latest counted request is earlier than release + N days) is null, not a low count.
{%- set milestones = [1, 3, 7, 30] %}
with

downloads as (

    select * from {{ ref('fct_downloads') }}

),

episodes as (

    select * from {{ ref('dim_episodes') }}

),

data_horizon as (

    select max(last_request_at) as measured_until
    from downloads

),

per_episode as (

    select
        episodes.episode_id,
        episodes.tenant_id,
        episodes.show_id,
        episodes.published_at,
        {%- for days in milestones %}
        sum(case
            when downloads.window_started_at
                < episodes.published_at + {{ hours_interval(24 * days) }} then 1 else 0
        end) as downloads_in_window_{{ days }}d,
        {%- endfor %}
        count(downloads.download_id) as downloads_all_time,
        count(distinct downloads.listener_key) as listeners_all_time,
        min(downloads.download_date) as first_download_date,
        max(downloads.download_date) as latest_download_date
    from episodes
    left join downloads
        on episodes.episode_id = downloads.episode_id
    group by episodes.episode_id, episodes.tenant_id, episodes.show_id, episodes.published_at

),

final as (

    select
        per_episode.episode_id,
        per_episode.tenant_id,
        per_episode.show_id,
        per_episode.published_at,
        {%- for days in milestones %}
        case
            when per_episode.published_at + {{ hours_interval(24 * days) }}
                <= data_horizon.measured_until
                then per_episode.downloads_in_window_{{ days }}d
        end as downloads_day_{{ days }},
        {%- endfor %}
        per_episode.downloads_all_time,
        per_episode.listeners_all_time,
        per_episode.first_download_date,
        per_episode.latest_download_date,
        data_horizon.measured_until
    from per_episode
    cross join data_horizon

)

select * from final
