-- Delivered ads never exceed what counted downloads carried:
--   baked-in: per episode and day, impressions <= counted downloads x baked slots;
--   inserted: a delivery-log row is delivered at most once (a listener who fetches the file
--     again inside one window gets, and is counted for, each ad stitched into each fetch).
-- Returns the episode-days or deliveries that break this.
with

baked as (

    select
        episode_id,
        impression_date,
        count(*) as impressions,
        count(distinct ad_position) as slots
    from {{ ref('fct_ad_impressions') }}
    where ad_type = 'baked'
    group by episode_id, impression_date

),

downloads as (

    select episode_id, download_date, count(*) as downloads
    from {{ ref('fct_downloads') }}
    group by episode_id, download_date

),

inserted as (

    select ad_id, count(*) as impressions
    from {{ ref('fct_ad_impressions') }}
    where ad_type = 'dynamic'
    group by ad_id

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
