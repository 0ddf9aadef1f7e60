with

-- not materialized: read by four CTEs below; inlined, a filter on requested_at (the
-- incremental models read a few days) reaches the scan of the requests themselves
source as not materialized (

    select * from {{ source('access_logs', 'access_logs') }}

),

-- IP hashing and URL normalisation are costly string work. A plain IPv4 address (most
-- requests) is hashed inline: cheap, and a filter on request_date (the incremental models
-- read a few days) skips the other days. Anything else (IPv6) is canonicalised once per
-- distinct address, as are URLs (a few thousand).
other_ips as (

    select
        ip,
        {{ hash_ip(ip_canonical('ip')) }} as ip_hash,
        {{ hash_ip(ip_listener_prefix('ip')) }} as listener_ip_hash
    from (select distinct ip from source where not {{ ip_is_plain_v4('ip') }}) as distinct_ips

),

-- the country of each distinct IP (null when no range covers it): its range key exists
-- only here, like the IP itself. Materialized: the key is computed once per IP, not once
-- per comparison.
keyed_ips as materialized (

    select
        ip,
        {{ ip_range_key('ip') }} as range_key
    from (select distinct ip from source) as distinct_ips

),

ip_countries as (

    {{ ip_country_lookup('keyed_ips', ref('stg_geo__ip_country_ranges')) }}

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
        case
            when {{ ip_is_plain_v4('source.ip') }} then {{ hash_ip('lower(trim(source.ip))') }}
            else other_ips.ip_hash
        end as ip_hash,
        case
            when {{ ip_is_plain_v4('source.ip') }} then {{ hash_ip('lower(trim(source.ip))') }}
            else other_ips.listener_ip_hash
        end as listener_ip_hash,

        ---------- strings
        ip_countries.country_code,
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
        cast(cast("timestamp" as {{ dbt.type_timestamp() }}) as date) as request_date,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source
    left join other_ips
        on source.ip = other_ips.ip
    left join ip_countries
        on source.ip = ip_countries.ip
    left join urls
        on source.url = urls.url

)

select * from renamed
