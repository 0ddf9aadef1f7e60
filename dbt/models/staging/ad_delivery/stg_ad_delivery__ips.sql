-- One row per distinct IP spelling of the ad-delivery logs (trimmed, lower case): its salted
-- hashes, as int_ips_located keeps them for the access logs (without the country).
-- Incremental by load time, so a daily run hashes only the new day's addresses, and
-- rebuilt when the salt or the expressions change (macros/incremental/lookups.sql).
-- Deliveries find their row by ip_key, the salted hash of the spelling; a purged address
-- (a token in raw: macros/ips/purged_ips.sql) gets the hashes kept when it was purged.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ip_key',
    on_schema_change='fail',
    pre_hook="{{ reset_stale_lookup(ip_lookup_fingerprint()) }}",
) }}
{%- set fingerprint = ip_lookup_fingerprint() %}

with

purged_ips as (

    select * from {{ ref('stg_privacy__purged_ips') }}

),

{{ ip_lookup_keyed(source('ad_delivery', 'ad_deliveries'), fingerprint,
                   with_range_key=false) }},

{{ ip_lookup_purged(source('ad_delivery', 'ad_deliveries'), fingerprint, 'purged_ips',
                    with_country=false) }},

hashed as (

    select ip_key, ip_hash, listener_ip_hash, _loaded_at from keyed
    union all
    select ip_key, ip_hash, listener_ip_hash, _loaded_at from purged

),

final as (

    select
        ip_key,
        ip_hash,
        listener_ip_hash,
        _loaded_at,
        '{{ fingerprint }}' as _inputs_fingerprint
    from hashed

)

select * from final
