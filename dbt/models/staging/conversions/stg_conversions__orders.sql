with

source as (

    select * from {{ source('conversions', 'orders') }}

),

purged_ips as (

    select * from {{ ref('stg_privacy__purged_ips') }}

),

renamed as (

    select

        ----------  ids
        order_id,
        sponsor_id,
        -- a purged IP (a token: macros/ips/purged_ips.sql): the hashes kept when it was purged
        case when {{ ip_is_purged('source.buyer_ip') }} then purged_ips.ip_hash
            else {{ hash_ip(ip_canonical('source.buyer_ip')) }} end as buyer_ip_hash,
        case when {{ ip_is_purged('source.buyer_ip') }} then purged_ips.listener_ip_hash
            else {{ hash_ip(ip_listener_prefix('source.buyer_ip')) }} end as buyer_listener_ip_hash,

        ---------- strings
        upper(trim(currency)) as currency,
        discount_code,
        landing_url,

        ---------- numerics
        cast(revenue as {{ type_double() }}) as revenue,

        ---------- timestamps
        cast(ordered_at as {{ dbt.type_timestamp() }}) as ordered_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source
    left join purged_ips
        on {{ ip_is_purged('source.buyer_ip') }}
        and purged_ips.ip_key = {{ purged_ip_key('source.buyer_ip') }}

)

select * from renamed
