-- One row per counted download (the counted windows of int_downloads_windowed) with
-- whether its listener key had already downloaded the same episode on an earlier UTC day:
-- a person downloads an episode once; a key that downloads it again day after day inflates
-- downloads without adding a listener.
with

windows as (

    select * from {{ ref('int_downloads_windowed') }}
    where is_counted

),

final as (

    select
        download_window_id as download_id,
        tenant_id,
        show_id,
        episode_id,
        listener_key,
        listener_ip_hash,
        user_agent_id,
        download_date,
        window_started_at,
        download_date > min(download_date) over (
            partition by listener_key, episode_id
        ) as is_repeat
    from windows

)

select * from final
