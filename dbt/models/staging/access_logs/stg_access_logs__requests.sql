-- One row per logged request, renamed and cast. The IP appears only as ip_key, the salted
-- hash of its spelling (trimmed, lower case; a purged IP's token carries it, see
-- macros/ips/purged_ips.sql): int_requests_enriched finds its hashes and
-- country by it in int_ips_located, and normalises the URL.
with

source as (

    select * from {{ source('access_logs', 'access_logs') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as request_id,
        {{ ip_spelling_key('ip') }} as ip_key,

        ---------- strings
        user_agent,
        upper(trim(method)) as http_method,
        url,
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

)

select * from renamed
