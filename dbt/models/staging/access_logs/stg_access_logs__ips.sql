-- One row per distinct IP spelling of the access logs (trimmed, lower case): its salted
-- hashes and its country. The costly IP work (IPv6 canonical form, /64 prefix, the range key
-- that finds the country) is done once per address ever seen, not once per request or per
-- run: the table is incremental by load time (macros/incremental_lookups.sql) and rebuilt
-- when the salt, the IP -> country ranges or these expressions change. The raw IP itself,
-- and its range key, never leave this query: requests find their row by ip_key, the salted
-- hash of the spelling.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ip_key',
    on_schema_change='fail',
    pre_hook="{{ reset_stale_lookup(ip_lookup_fingerprint()) }}",
) }}
{%- set fingerprint = ip_lookup_fingerprint() %}

with

source as (

    select * from {{ source('access_logs', 'access_logs') }}
    where {{ loaded_since_filter(fingerprint) }}

),

spellings as (

    select
        lower(trim(ip)) as ip,
        max(_loaded_at) as _loaded_at
    from source
    where ip is not null
    group by lower(trim(ip))

),

keyed as (

    select
        {{ hash_ip('ip') }} as ip_key,
        {{ hash_ip(ip_canonical('ip')) }} as ip_hash,
        {{ hash_ip(ip_listener_prefix('ip')) }} as listener_ip_hash,
        {{ ip_range_key('ip') }} as range_key,
        _loaded_at
    from spellings

),

countries as (

    {{ ip_country_lookup('keyed', ref('stg_geo__ip_country_ranges')) }}

),

final as (

    select
        ip_key,
        ip_hash,
        listener_ip_hash,
        country_code,
        _loaded_at,
        '{{ fingerprint }}' as _inputs_fingerprint
    from countries

)

select * from final
