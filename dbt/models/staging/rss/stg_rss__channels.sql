with

source as (

    select * from {{ source('rss', 'rss_channels') }}

),

renamed as (

    select

        ----------  ids
        fetch_id,
        show_id,
        podcast_guid,

        ---------- strings
        title,
        author,
        language,
        categories,
        image_url,
        link as link_url,
        description,

        ---------- booleans
        {{ try_cast_boolean('explicit') }} as is_explicit,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
