-- One row per inserted ad of the ad-delivery logs (grain: inserted_ad_id) with the hashes
-- of its IP (stg_ad_delivery__ips, by ip_key) and its normalised URL: what the matching
-- (int_inserted_ads_matched) reads. A view: a filter on delivered_date (the incremental
-- matching reads a few days) reaches the scan of the raw deliveries.
with

-- not materialized: read twice below; inlined, a filter on delivered_date reaches the scan
inserted_ads as not materialized (

    select * from {{ ref('stg_ad_delivery__inserted_ads') }}

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
    from (select distinct url from inserted_ads) as distinct_urls

),

enriched as (

    select
        inserted_ads.inserted_ad_id,
        inserted_ads.campaign_id,
        inserted_ads.line_item_id,
        inserted_ads.creative_id,
        ips.ip_hash,
        ips.listener_ip_hash,
        inserted_ads.user_agent,
        inserted_ads.url,
        urls.url_normalized,
        inserted_ads.ad_position,
        inserted_ads.byte_start,
        inserted_ads.byte_end,
        inserted_ads.delivered_at,
        inserted_ads.delivered_date,
        inserted_ads._source_file,
        inserted_ads._source_line,
        inserted_ads._loaded_at
    from inserted_ads
    left join ips
        on inserted_ads.ip_key = ips.ip_key
    left join urls
        on inserted_ads.url = urls.url

)

select * from enriched
