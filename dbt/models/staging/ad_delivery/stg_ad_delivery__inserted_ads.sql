with

-- not materialized: read three times below
source as not materialized (

    select * from {{ source('ad_delivery', 'ad_deliveries') }}

),

-- the costly IP work once per distinct address (deliveries repeat a household's IP)
ips as (

    select
        ip,
        {{ hash_ip(ip_canonical('ip')) }} as ip_hash,
        {{ hash_ip(ip_listener_prefix('ip')) }} as listener_ip_hash
    from (select distinct ip from source) as distinct_ips

),

-- URL normalisation once per distinct URL (one per episode)
urls as (

    select
        url,
        {{ normalize_media_url('url') }} as url_normalized
    from (select distinct url from source) as distinct_urls

),

renamed as (

    select

        ----------  ids
        delivery_id as inserted_ad_id,
        campaign_id,
        line_item_id,
        creative_id,
        ips.ip_hash,
        ips.listener_ip_hash,

        ---------- strings
        user_agent,
        source.url,
        urls.url_normalized,
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
    left join ips
        on source.ip = ips.ip
    left join urls
        on source.url = urls.url

)

select * from renamed
