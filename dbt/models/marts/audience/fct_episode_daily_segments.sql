-- One row per episode, UTC day and listening segment (app, device category, OS): counted
-- downloads and listeners, for the split of fct_episode_daily by app and device.
-- Listeners don't add up across segments (one listener key has one user agent, so they do
-- across apps, but not across days).
with

downloads as (

    select * from {{ ref('fct_downloads') }}

),

final as (

    select
        {{ surrogate_key(['episode_id', 'download_date', "coalesce(app_name, 'unknown')",
                          "coalesce(device_category, 'unknown')",
                          "coalesce(os_name, 'unknown')"]) }} as episode_day_segment_id,
        tenant_id,
        show_id,
        episode_id,
        download_date,
        coalesce(app_name, 'unknown') as app_name,
        coalesce(device_category, 'unknown') as device_category,
        coalesce(os_name, 'unknown') as os_name,
        count(*) as downloads,
        count(distinct listener_key) as listeners
    from downloads
    group by
        tenant_id, show_id, episode_id, download_date,
        coalesce(app_name, 'unknown'),
        coalesce(device_category, 'unknown'),
        coalesce(os_name, 'unknown')

)

select * from final
