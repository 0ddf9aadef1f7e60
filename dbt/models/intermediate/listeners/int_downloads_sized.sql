-- One row per counted download (grain: download_id) with its episode's file size, the
-- share of the file it covered and the ISO week it falls in: what a listener's weekly
-- listening (fct_listener_show_weekly) adds up.
with

downloads as (

    select * from {{ ref('fct_downloads') }}

),

episodes as (

    select * from {{ ref('int_episodes_sized') }}

),

final as (

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

)

select * from final
