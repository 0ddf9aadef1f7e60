-- One row per episode, day and hosting provider: downloads as the host's analytics API
-- reports them, for shows without raw logs. Host-reported, not counted by this warehouse
-- under its IAB rules: keep them apart from fct_downloads.
with

reports as (

    select * from {{ ref('int_host_reports_deduplicated') }}

),

episodes as (

    select * from {{ ref('dim_episodes') }}

),

shows as (

    select * from {{ ref('dim_shows') }}

),

final as (

    select
        reports.host_report_day_id,
        shows.tenant_id,
        reports.show_id,
        episodes.episode_id,
        reports.episode_guid,
        reports.provider_episode_id,
        reports.hosting_provider,
        reports.download_date,
        reports.download_count as host_reported_downloads,
        true as is_host_reported
    from reports
    left join shows
        on reports.show_id = shows.show_id
    left join episodes
        on reports.show_id = episodes.show_id
        and reports.episode_guid = coalesce(episodes.guid, episodes.enclosure_url)

)

select * from final
