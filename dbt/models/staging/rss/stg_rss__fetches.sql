with

source as (

    select * from {{ source('rss', 'rss_fetches') }}

),

renamed as (

    select

        ----------  ids
        fetch_id,
        tenant_id,
        show_id,

        ---------- strings
        feed_url,
        etag,
        last_modified as last_modified_header,
        content_sha256,
        body as feed_body,

        ---------- numerics
        cast(http_status as integer) as http_status,

        ---------- timestamps
        cast(fetched_at as {{ dbt.type_timestamp() }}) as fetched_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
