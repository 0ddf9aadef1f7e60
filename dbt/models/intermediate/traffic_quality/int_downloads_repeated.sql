-- One row per counted download (the counted windows of int_downloads_windowed) with
-- whether its listener key had also downloaded the same episode one or two UTC days
-- before: a person downloads an episode once, and may come back to it some day; a key that
-- fetches the same episodes again every day inflates downloads without adding a listener.
-- Two days, not one: a re-request inside the previous counted window is no new download,
-- so a daily loop is counted every day or every other day. Further back is a listener
-- returning to an episode after a gap: behaviour, not a re-download loop.
with

windows as (

    select * from {{ ref('int_downloads_windowed') }}
    where is_counted

),

-- the days each key downloaded each episode, and the day before that it last did
episode_days as (

    select
        listener_key,
        episode_id,
        download_date,
        lag(download_date) over (
            partition by listener_key, episode_id order by download_date
        ) as previous_download_date
    from (
        select distinct listener_key, episode_id, download_date
        from windows
    ) as distinct_days

),

final as (

    select
        windows.download_window_id as download_id,
        windows.tenant_id,
        windows.show_id,
        windows.episode_id,
        windows.listener_key,
        windows.listener_ip_hash,
        windows.user_agent_id,
        windows.download_date,
        windows.window_started_at,
        coalesce({{ dbt.datediff('episode_days.previous_download_date',
                                 'windows.download_date', 'day') }} <= 2, false) as is_repeat
    from windows
    inner join episode_days
        on windows.listener_key = episode_days.listener_key
        and windows.episode_id = episode_days.episode_id
        and windows.download_date = episode_days.download_date

)

select * from final
