-- Delivered ads never exceed what counted downloads carried:
--   baked-in: per episode and day, impressions <= counted downloads x baked slots;
--   inserted: a delivery-log row is delivered at most once (a listener who fetches the file
--     again inside one window gets, and is counted for, each ad stitched into each fetch).
-- Returns the episode-days or deliveries that break this. Checks the impression days the
-- latest run wrote (as config(where='latest_run') does: a day no run rewrote is unchanged
-- since it was checked), and each of their deliveries against every impression of it.
-- an asset check on fct_ad_impressions in Dagster
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_impressions'}}}) }}
-- `not materialized`: Postgres materializes a CTE read several times and then estimates its
-- rows blind (one written delivery), joining every impression to every written one in a
-- nested loop (30 s on the small e2e world); inlined, it plans from the table's statistics.
with

impressions as not materialized (

    select * from {{ ref('fct_ad_impressions') }}

),

latest_run as (

    select max(_processed_at) as processed_at from impressions

),

written as not materialized (

    select impressions.*
    from impressions
    inner join latest_run
        on impressions._processed_at = latest_run.processed_at

),

written_days as (

    select distinct impression_date from written

),

baked as (

    select
        impressions.episode_id,
        impressions.impression_date,
        count(*) as impressions,
        count(distinct impressions.ad_position) as slots
    from impressions
    inner join written_days
        on impressions.impression_date = written_days.impression_date
    where impressions.ad_type = 'baked'
    group by impressions.episode_id, impressions.impression_date

),

downloads as (

    select downloads.episode_id, downloads.download_date, count(*) as downloads
    from {{ ref('fct_downloads') }} as downloads
    inner join written_days
        on downloads.download_date = written_days.impression_date
    group by downloads.episode_id, downloads.download_date

),

inserted as (

    select impressions.ad_id, count(*) as impressions
    from impressions
    inner join (select distinct ad_id from written where ad_type = 'dynamic') as written_ads
        on impressions.ad_id = written_ads.ad_id
    where impressions.ad_type = 'dynamic'
    group by impressions.ad_id

)

select baked.episode_id as failing_key, baked.impressions
from baked
left join downloads
    on baked.episode_id = downloads.episode_id
    and baked.impression_date = downloads.download_date
where baked.impressions > coalesce(downloads.downloads, 0) * baked.slots

union all

select ad_id, impressions
from inserted
where impressions > 1
