with

-- not materialized: read by three CTEs below; inlined, a filter on request_date (the
-- incremental models read a few days) reaches the scan of the requests themselves
source as not materialized (

    select
        *,
        cast(cast("timestamp" as {{ dbt.type_timestamp() }}) as date) as _request_date
    from {{ source('access_logs', 'access_logs') }}

),

-- IP work is costly string work, done once per distinct IP and day (the day is part of the
-- key so that a filter on request_date reaches these scans too, through the inner joins
-- below): the range key that finds its country (it exists only here, like the IP itself);
-- for anything but a plain IPv4 address (most requests, hashed inline below) the
-- canonical and listener-prefix hashes.
ips as (

    select
        _request_date,
        ip,
        case when not {{ ip_is_plain_v4('ip') }} then {{ hash_ip(ip_canonical('ip')) }} end
            as ip_hash,
        case when not {{ ip_is_plain_v4('ip') }} then {{ hash_ip(ip_listener_prefix('ip')) }} end
            as listener_ip_hash,
        {{ ip_range_key('ip') }} as range_key
    from (select distinct _request_date, ip from source) as distinct_ips

),

-- the country of each IP (null when no range covers it)
ip_countries as (

    {{ ip_country_lookup('ips', ref('stg_geo__ip_country_ranges')) }}

),

-- URL normalisation, once per distinct URL and day
urls as (

    select
        _request_date,
        url,
        {{ normalize_media_url('url') }} as url_normalized
    from (select distinct _request_date, url from source) as distinct_urls

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as request_id,
        case
            when {{ ip_is_plain_v4('source.ip') }} then {{ hash_ip('lower(trim(source.ip))') }}
            else ip_countries.ip_hash
        end as ip_hash,
        case
            when {{ ip_is_plain_v4('source.ip') }} then {{ hash_ip('lower(trim(source.ip))') }}
            else ip_countries.listener_ip_hash
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
        source._request_date as request_date,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source
    inner join ip_countries
        on source._request_date = ip_countries._request_date
        and source.ip = ip_countries.ip
    inner join urls
        on source._request_date = urls._request_date
        and source.url = urls.url

)

select * from renamed
