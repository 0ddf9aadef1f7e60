-- fct_episode_daily and its segments account for every counted download exactly once:
-- returns the episode-days where the three disagree.
-- an asset check on fct_episode_daily in Dagster
{{ config(meta={'dagster': {'ref': {'name': 'fct_episode_daily'}}}) }}
with

downloads as (

    select episode_id, download_date, count(*) as downloads
    from {{ ref('fct_downloads') }}
    group by episode_id, download_date

),

daily as (

    select episode_id, download_date, downloads
    from {{ ref('fct_episode_daily') }}

),

segments as (

    select episode_id, download_date, sum(downloads) as downloads
    from {{ ref('fct_episode_daily_segments') }}
    group by episode_id, download_date

)

select
    coalesce(downloads.episode_id, daily.episode_id) as episode_id,
    coalesce(downloads.download_date, daily.download_date) as download_date,
    downloads.downloads as counted,
    daily.downloads as daily_downloads,
    segments.downloads as segment_downloads
from downloads
full outer join daily
    on downloads.episode_id = daily.episode_id
    and downloads.download_date = daily.download_date
left join segments
    on daily.episode_id = segments.episode_id
    and daily.download_date = segments.download_date
where downloads.downloads is null
    or daily.downloads is null
    or segments.downloads is null
    or downloads.downloads <> daily.downloads
    or daily.downloads <> segments.downloads
