-- One row per inserted ad of the ad-delivery logs, with the listener key (IP /64 + user
-- agent, as download counting keys listeners) and the episode its URL is the enclosure of.
-- A table: ad delivery reads it twice, and it is as long as the delivery logs.
{{ config(materialized='table') }}

with

inserted_ads as (

    select * from {{ ref('stg_ad_delivery__inserted_ads') }}

),

episode_urls as (

    select * from {{ ref('int_episode_urls_ranked') }}

),

final as (

    select
        inserted_ads.inserted_ad_id,
        inserted_ads.campaign_id,
        inserted_ads.line_item_id,
        inserted_ads.creative_id,
        episode_urls.tenant_id,
        episode_urls.show_id,
        episode_urls.episode_id,
        {{ surrogate_key(['inserted_ads.listener_ip_hash', 'inserted_ads.user_agent']) }}
            as listener_key,
        inserted_ads.listener_ip_hash,
        inserted_ads.ad_position,
        inserted_ads.byte_start,
        inserted_ads.byte_end,
        inserted_ads.delivered_at
    from inserted_ads
    left join episode_urls
        on inserted_ads.url_normalized = episode_urls.enclosure_url_normalized

)

select * from final
