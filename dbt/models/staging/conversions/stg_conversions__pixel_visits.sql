with

source as (

    select * from {{ source('conversions', 'pixel_visits') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as pixel_visit_id,
        sponsor_id,
        {{ hash_ip(ip_canonical('ip')) }} as ip_hash,
        {{ hash_ip(ip_listener_prefix('ip')) }} as listener_ip_hash,

        ---------- strings
        user_agent,
        url as page_url,
        referer,

        ---------- timestamps
        cast(visited_at as {{ dbt.type_timestamp() }}) as visited_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
