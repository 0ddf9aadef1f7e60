with

channels as (

    select * from {{ ref('stg_rss__channels') }}

),

fetches as (

    select * from {{ ref('stg_rss__fetches') }}

),

channels_ranked as (

    select
        channels.*,
        fetches.fetched_at,
        row_number() over (
            partition by channels.show_id
            order by fetches.fetched_at desc, channels.fetch_id desc
        ) as recency_rank
    from channels
    inner join fetches
        on channels.fetch_id = fetches.fetch_id

),

latest as (

    select
        show_id,
        fetch_id,
        podcast_guid,
        title,
        author,
        language,
        categories,
        image_url,
        link_url,
        description,
        is_explicit,
        fetched_at
    from channels_ranked
    where recency_rank = 1

)

select * from latest
