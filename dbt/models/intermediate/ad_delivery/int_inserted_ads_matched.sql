-- One row per inserted ad of the ad-delivery logs, with the listener key (IP /64 + user
-- agent, as download counting keys listeners) and the episode its URL is the enclosure of.
-- Incremental by UTC delivery day: a run rebuilds the days delivery_days_to_rebuild() names
-- (changed raw rows, deliveries whose URL now matches an episode; every day when the salt
-- changed). Matching is local to one delivery, so a day rebuilt alone is what a full build
-- gives.
{%- set fingerprint = ip_lookup_fingerprint() %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_scope',
    replace_scope='delivery_days_to_rebuild',
    unique_key='delivered_date',
    on_schema_change='fail',
) }}
{{ materialize_replace_scope(
    delivery_days=ref('stg_ad_delivery__delivery_days'),
    episode_urls=ref('int_episode_urls_ranked'),
) }}

with

inserted_ads as (

    select * from {{ ref('int_inserted_ads_enriched') }}
    {%- if is_incremental() %}
    where {{ scope_days_filter('delivered_date', 'delivered_date', 'delivered_at') }}
    {%- endif %}

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
        inserted_ads.delivered_at,
        inserted_ads.delivered_date,
        inserted_ads.url_normalized,
        inserted_ads._loaded_at,
        '{{ fingerprint }}' as _inputs_fingerprint,
        {{ processed_at() }} as _processed_at
    from inserted_ads
    left join episode_urls
        on inserted_ads.url_normalized = episode_urls.enclosure_url_normalized

)

select * from final
