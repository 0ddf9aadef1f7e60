-- One row per show of the registry or the feeds: its registry entry with the channel's
-- metadata and its episode counts and dates. What dim_shows publishes, and what the survey
-- matching of int_touchpoints_matched reads the titles from.
with

shows as (

    select * from {{ ref('int_shows_deduplicated') }}

),

channels as (

    select * from {{ ref('int_channels_deduplicated') }}

),

episodes as (

    select * from {{ ref('int_episodes_deduplicated') }}

),

episode_stats as (

    select
        show_id,
        count(*) as episode_count,
        min(published_at) as first_episode_published_at,
        max(published_at) as latest_episode_published_at
    from episodes
    group by show_id

),

final as (

    select
        shows.tenant_id,
        shows.show_id,
        coalesce(nullif(trim(shows.title), ''), channels.title) as title,
        shows.feed_url,
        shows.hosting_provider,
        shows.hosting_show_id,
        shows.header_bytes,
        channels.title as channel_title,
        channels.author,
        channels.language,
        channels.categories,
        channels.podcast_guid,
        channels.image_url,
        channels.link_url,
        channels.description,
        channels.is_explicit,
        shows.is_in_registry,
        coalesce(episode_stats.episode_count, 0) as episode_count,
        episode_stats.first_episode_published_at,
        episode_stats.latest_episode_published_at,
        channels.fetched_at as channel_fetched_at
    from shows
    left join channels
        on shows.show_id = channels.show_id
    left join episode_stats
        on shows.show_id = episode_stats.show_id

)

select * from final
