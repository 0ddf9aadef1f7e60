with

-- not materialized: read twice below; inlined, a filter on request_date (the incremental
-- models read a few days) reaches the scan of the requests themselves
source as not materialized (

    select * from {{ source('access_logs', 'access_logs') }}

),

-- the salted hashes and country of every IP spelling, kept per load (the costly IP work)
ips as (

    select * from {{ ref('stg_access_logs__ips') }}

),

-- URL normalisation, once per distinct URL (a few thousand; one cheap scan of the column)
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
        ips.country_code,
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
        source._loaded_at

    from source
    left join ips
        on {{ hash_ip('lower(trim(source.ip))') }} = ips.ip_key
    left join urls
        on source.url = urls.url

)

select * from renamed
