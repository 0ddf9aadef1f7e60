-- One row per purged IP spelling: the salted hashes and country its address had when the
-- retention purge replaced it in the raw tables by a token (macros/ips/purged_ips.sql). The
-- IP lookups and the conversions' staging read a token's values here.
with

source as (

    select * from {{ source('privacy', 'purged_ips') }}

),

renamed as (

    select

        ----------  ids
        ip_key,
        ip_hash,
        listener_ip_hash,

        ---------- strings
        country_code,

        ---------- timestamps
        cast(purged_at as {{ dbt.type_timestamp() }}) as purged_at

    from source

)

select * from renamed
