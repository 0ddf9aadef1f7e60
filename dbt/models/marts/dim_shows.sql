-- One row per show: int_shows_enriched (the registry entry, the channel's metadata, episode
-- counts and dates).
with

shows as (

    select * from {{ ref('int_shows_enriched') }}

)

select * from shows
