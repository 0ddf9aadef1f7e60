-- One row per logged request (grain: request_id) with the hashes and country of its IP
-- (int_ips_located, by ip_key) and its normalised URL: what the counting rules read. A
-- view: a filter on request_date (the incremental models read a few days) reaches the scan
-- of the raw requests.
{{ config(materialized='view') }}

with

-- not materialized: read twice below; inlined, a filter on request_date reaches the scan
requests as not materialized (

    select * from {{ ref('stg_access_logs__requests') }}

),

-- the salted hashes and country of every IP spelling, kept per load (the costly IP work)
ips as (

    select * from {{ ref('int_ips_located') }}

),

-- URL normalisation, once per distinct URL (a few thousand; one cheap scan of the column)
urls as (

    select
        url,
        {{ normalize_media_url('url') }} as url_normalized
    from (select distinct url from requests) as distinct_urls

),

enriched as (

    select
        requests.request_id,
        ips.ip_hash,
        ips.listener_ip_hash,
        ips.country_code,
        requests.user_agent,
        requests.http_method,
        requests.url,
        urls.url_normalized,
        requests.range_header,
        requests.referer,
        requests.http_status,
        requests.bytes_sent,
        requests.requested_at,
        requests.request_date,
        requests._source_file,
        requests._source_line,
        requests._loaded_at
    from requests
    left join ips
        on requests.ip_key = ips.ip_key
    left join urls
        on requests.url = urls.url

)

select * from enriched
