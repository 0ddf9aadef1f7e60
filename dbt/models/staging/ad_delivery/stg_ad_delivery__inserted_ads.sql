with

-- not materialized: read twice below; inlined, a filter on delivered_date (the incremental
-- matching reads a few days) reaches the scan of the deliveries themselves
source as not materialized (

    select * from {{ source('ad_delivery', 'ad_deliveries') }}

),

-- the salted hashes of every IP spelling, kept per load (the costly IP work)
ips as (

    select * from {{ ref('stg_ad_delivery__ips') }}

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
        cast(cast("timestamp" as {{ dbt.type_timestamp() }}) as date) as delivered_date,

        ---------- lineage
        _source_file,
        _source_line,
        source._loaded_at

    from source
    left join ips
        on {{ hash_ip('lower(trim(source.ip))') }} = ips.ip_key
    left join urls
        on source.url = urls.url

)

select * from renamed
