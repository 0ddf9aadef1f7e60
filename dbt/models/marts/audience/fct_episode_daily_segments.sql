-- One row per episode, UTC day and listening segment (app, device category, OS, country):
-- counted downloads and listeners, the split of fct_episode_daily by app, device and country.
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
                          "coalesce(os_name, 'unknown')",
                          "coalesce(country_code, 'unknown')"]) }} as episode_day_segment_id,
        tenant_id,
        show_id,
        episode_id,
        download_date,
        coalesce(app_name, 'unknown') as app_name,
        coalesce(device_category, 'unknown') as device_category,
        coalesce(os_name, 'unknown') as os_name,
        coalesce(country_code, 'unknown') as country_code,
        count(*) as downloads,
        count(distinct listener_key) as listeners
    from downloads
    group by
        tenant_id, show_id, episode_id, download_date,
        coalesce(app_name, 'unknown'),
        coalesce(device_category, 'unknown'),
        coalesce(os_name, 'unknown'),
        coalesce(country_code, 'unknown')

)

select * from final
