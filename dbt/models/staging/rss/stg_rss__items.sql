with

source as (

    select * from {{ source('rss', 'rss_items') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['fetch_id', 'item_index']) }} as fetch_item_id,
        fetch_id,
        show_id,
        -- an empty guid is no guid (the episode id then falls back to the enclosure URL)
        case when trim(guid) = '' then null else guid end as guid,

        ---------- strings
        title,
        pub_date as pub_date_text,
        duration as duration_text,
        case when trim(enclosure_url) = '' then null else enclosure_url end as enclosure_url,
        {{ normalize_media_url('enclosure_url') }} as enclosure_url_normalized,
        enclosure_type,
        lower(trim(episode_type)) as episode_type,
        transcript_url,
        chapters_url,
        case when trim(link) = '' then null else link end as link,
        description,

        ---------- numerics
        cast(item_index as integer) as item_index,
        {{ duration_to_seconds('duration') }} as duration_seconds,
        {{ try_cast_bigint('enclosure_length') }} as enclosure_length_bytes,
        {{ try_cast_bigint('season') }} as season,
        {{ try_cast_bigint('episode_number') }} as episode_number,

        ---------- booleans
        {{ try_cast_boolean('explicit') }} as is_explicit,

        ---------- timestamps
        cast(published_at as {{ dbt.type_timestamp() }}) as published_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
