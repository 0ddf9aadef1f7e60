with

source as (

    select * from {{ source('ad_delivery', 'ad_deliveries') }}

),

renamed as (

    select

        ----------  ids
        delivery_id as inserted_ad_id,
        campaign_id,
        line_item_id,
        creative_id,
        {{ hash_ip(ip_canonical('ip')) }} as ip_hash,
        {{ hash_ip(ip_listener_prefix('ip')) }} as listener_ip_hash,

        ---------- strings
        user_agent,
        url,
        {{ normalize_media_url('url') }} as url_normalized,
        lower(trim("position")) as ad_position,

        ---------- numerics
        cast(byte_start as {{ dbt.type_bigint() }}) as byte_start,
        cast(byte_end as {{ dbt.type_bigint() }}) as byte_end,

        ---------- timestamps
        cast("timestamp" as {{ dbt.type_timestamp() }}) as delivered_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
