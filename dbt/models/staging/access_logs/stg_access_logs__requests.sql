with

source as (

    select * from {{ source('access_logs', 'access_logs') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as request_id,
        {{ hash_ip(ip_canonical('ip')) }} as ip_hash,
        {{ hash_ip(ip_listener_prefix('ip')) }} as listener_ip_hash,

        ---------- strings
        user_agent,
        upper(trim(method)) as http_method,
        url,
        {{ normalize_media_url('url') }} as url_normalized,
        "range" as range_header,
        referer,

        ---------- numerics
        cast(status as integer) as http_status,
        cast(bytes_sent as {{ dbt.type_bigint() }}) as bytes_sent,

        ---------- timestamps
        cast("timestamp" as {{ dbt.type_timestamp() }}) as requested_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
