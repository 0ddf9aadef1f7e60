with

source as (

    select * from {{ source('conversions', 'orders') }}

),

renamed as (

    select

        ----------  ids
        order_id,
        sponsor_id,
        {{ hash_ip(ip_canonical('buyer_ip')) }} as buyer_ip_hash,
        {{ hash_ip(ip_listener_prefix('buyer_ip')) }} as buyer_listener_ip_hash,

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

)

select * from renamed
