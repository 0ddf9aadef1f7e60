with

items as (

    select * from {{ ref('stg_rss__items') }}

),

fetches as (

    select * from {{ ref('stg_rss__fetches') }}

),

shows as (

    select * from {{ ref('int_shows_deduplicated') }}

),

-- Apple's identity: the guid within the show, the enclosure URL when the guid is missing;
-- items with neither are no episodes.
items_identified as (

    select
        {{ episode_key('items.show_id', 'coalesce(items.guid, items.enclosure_url)') }} as episode_id,
        items.*,
        fetches.fetched_at
    from items
    inner join fetches
        on items.fetch_id = fetches.fetch_id
    where coalesce(items.guid, items.enclosure_url) is not null

),

-- a guid repeated within one feed: the first item in feed order is the episode
first_in_feed as (

    select *
    from (
        select
            items_identified.*,
            row_number() over (
                partition by fetch_id, episode_id
                order by item_index
            ) as feed_rank
        from items_identified
    ) as ranked_in_feed
    where feed_rank = 1

),

-- across fetches the latest fetch's attributes win; episodes that vanish are kept
appearances_ranked as (

    select
        first_in_feed.*,
        row_number() over (
            partition by episode_id
            order by fetched_at desc, fetch_id desc
        ) as recency_rank,
        min(fetched_at) over (partition by episode_id) as first_seen_at,
        max(fetched_at) over (partition by episode_id) as last_seen_at,
        max(fetched_at) over (partition by show_id) as show_last_fetched_at
    from first_in_feed

),

deduplicated as (

    select
        appearances_ranked.episode_id,
        coalesce(shows.tenant_id, '{{ var("default_tenant_id") }}') as tenant_id,
        appearances_ranked.show_id,
        appearances_ranked.guid,
        appearances_ranked.fetch_id as latest_fetch_id,
        appearances_ranked.fetch_item_id as latest_fetch_item_id,
        appearances_ranked.item_index,
        appearances_ranked.title,
        appearances_ranked.description,
        appearances_ranked.pub_date_text,
        appearances_ranked.published_at,
        appearances_ranked.duration_text,
        appearances_ranked.duration_seconds,
        appearances_ranked.enclosure_url,
        appearances_ranked.enclosure_url_normalized,
        appearances_ranked.enclosure_length_bytes,
        appearances_ranked.enclosure_type,
        appearances_ranked.season,
        appearances_ranked.episode_number,
        appearances_ranked.episode_type,
        appearances_ranked.is_explicit,
        appearances_ranked.transcript_url,
        appearances_ranked.chapters_url,
        appearances_ranked.link,
        appearances_ranked.first_seen_at,
        appearances_ranked.last_seen_at,
        appearances_ranked.last_seen_at = appearances_ranked.show_last_fetched_at as is_in_latest_feed
    from appearances_ranked
    left join shows
        on appearances_ranked.show_id = shows.show_id
    where appearances_ranked.recency_rank = 1

)

select * from deduplicated
