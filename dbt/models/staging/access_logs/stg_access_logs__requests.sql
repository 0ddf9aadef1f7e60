with

source as (

    select * from {{ source('access_logs', 'access_logs') }}

),

-- IP hashing and URL normalisation are costly string work: done once per distinct value
-- (about a tenth of the requests for IPs, a few thousand URLs) rather than once per request.
ips as (

    select
        ip,
        {{ hash_ip(ip_canonical('ip')) }} as ip_hash,
        {{ hash_ip(ip_listener_prefix('ip')) }} as listener_ip_hash
    from (select distinct ip from source) as distinct_ips

),

urls as (

    select
        url,
        {{ normalize_media_url('url') }} as url_normalized
    from (select distinct url from source) as distinct_urls

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as request_id,
        ips.ip_hash,
        ips.listener_ip_hash,

        ---------- strings
        user_agent,
        upper(trim(method)) as http_method,
        source.url,
        urls.url_normalized,
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
    left join ips
        on source.ip = ips.ip
    left join urls
        on source.url = urls.url

)

select * from renamed
