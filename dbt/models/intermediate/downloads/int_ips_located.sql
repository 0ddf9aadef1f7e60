-- One row per distinct IP spelling of the access logs (trimmed, lower case): its salted
-- hashes and its country. The costly IP work (IPv6 canonical form, /64 prefix, the range key
-- that finds the country) is done once per address ever seen, not once per request or per
-- run: the table is incremental by load time (macros/incremental/lookups.sql) and rebuilt
-- when the salt, the IP -> country ranges or these expressions change. The raw IP itself,
-- and its range key, never leave this query (stg_access_logs__ip_spellings is ephemeral):
-- requests find their row by ip_key, the salted hash of the spelling. A purged address
-- (a token in raw: macros/ips/purged_ips.sql) gets the values kept when it was purged,
-- its country included.
{%- set fingerprint = ip_lookup_fingerprint(ref('stg_geo__ip_country_ranges')) %}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ip_key',
    on_schema_change='fail',
    pre_hook="{{ reset_stale_lookup(ip_lookup_fingerprint(ref('stg_geo__ip_country_ranges'))) }}",
) }}

with

ip_spellings as (

    select * from {{ ref('stg_access_logs__ip_spellings') }}

),

purged_ips as (

    select * from {{ ref('stg_privacy__purged_ips') }}

),

{{ ip_lookup_keyed('ip_spellings', fingerprint) }},

{{ ip_lookup_purged('ip_spellings', fingerprint, 'purged_ips') }},

countries as (

    {{ ip_country_lookup('keyed', ref('stg_geo__ip_country_ranges')) }}

),

located as (

    select ip_key, ip_hash, listener_ip_hash, country_code, _loaded_at from countries
    union all
    select ip_key, ip_hash, listener_ip_hash, country_code, _loaded_at from purged

),

final as (

    select
        ip_key,
        ip_hash,
        listener_ip_hash,
        country_code,
        _loaded_at,
        '{{ fingerprint }}' as _inputs_fingerprint
    from located

)

select * from final
