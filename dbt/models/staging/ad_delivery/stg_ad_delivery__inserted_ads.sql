-- One row per dynamically inserted ad of the ad-delivery logs, renamed and cast. The IP
-- appears only as ip_key, the salted hash of its spelling (trimmed, lower case; or the key
-- a purged IP's token carries):
-- int_inserted_ads_enriched finds its hashes by it in stg_ad_delivery__ips.
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
        {{ ip_spelling_key('ip') }} as ip_key,

        ---------- strings
        user_agent,
        url,
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
        _loaded_at

    from source

)

select * from renamed
