with

episodes as (

    select * from {{ ref('int_episodes_deduplicated') }}

),

channels as (

    select * from {{ ref('int_channels_deduplicated') }}

),

final as (

    select
        episodes.episode_id,
        episodes.tenant_id,
        episodes.show_id,
        episodes.guid,
        episodes.title,
        episodes.published_at,
        cast(episodes.published_at as date) as published_date,
        episodes.duration_seconds,
        episodes.enclosure_url,
        episodes.enclosure_url_normalized,
        episodes.enclosure_length_bytes,
        episodes.enclosure_type,
        episodes.season,
        episodes.episode_number,
        -- itunes:episodeType defaults to full
        coalesce(episodes.episode_type, 'full') as episode_type,
        -- itunes:explicit on the item, else the channel's
        coalesce(episodes.is_explicit, channels.is_explicit) as is_explicit,
        -- the show notes: sponsor reads, topics (analyses read them)
        episodes.description,
        episodes.transcript_url,
        episodes.chapters_url,
        episodes.link,
        episodes.published_at is not null as has_valid_pub_date,
        episodes.pub_date_text,
        episodes.first_seen_at,
        episodes.last_seen_at,
        episodes.is_in_latest_feed,
        episodes.latest_fetch_id
    from episodes
    left join channels
        on episodes.show_id = channels.show_id

)

select * from final
