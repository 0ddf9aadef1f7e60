-- One row per advertiser-site visit from the pixel, with its UTM parameters and the
-- campaign it names: by utm_campaign (a campaign id of the visited sponsor) or by landing
-- on a campaign's vanity URL (scheme, query and trailing slash ignored).
with

visits as (

    select * from {{ ref('stg_conversions__pixel_visits') }}

),

campaigns as (

    select * from {{ ref('int_campaigns_validated') }}

),

parsed as (

    select
        visits.*,
        {{ regexp_capture('visits.page_url', '[?&]utm_source=([^&#]*)') }} as utm_source,
        {{ regexp_capture('visits.page_url', '[?&]utm_medium=([^&#]*)') }} as utm_medium,
        {{ regexp_capture('visits.page_url', '[?&]utm_campaign=([^&#]*)') }} as utm_campaign,
        {{ regexp_capture('visits.page_url', '[?&]utm_content=([^&#]*)') }} as utm_content,
        {{ comparable_url('visits.page_url') }} as page_url_comparable
    from visits

),

final as (

    select
        parsed.pixel_visit_id,
        parsed.sponsor_id,
        parsed.listener_ip_hash as household_ip_hash,
        parsed.visited_at,
        parsed.page_url,
        parsed.referer,
        parsed.utm_source,
        parsed.utm_medium,
        parsed.utm_campaign,
        parsed.utm_content,
        utm_campaigns.campaign_id as utm_campaign_id,
        vanity_campaigns.campaign_id as vanity_campaign_id
    from parsed
    left join campaigns as utm_campaigns
        on parsed.utm_campaign = utm_campaigns.campaign_id
        and parsed.sponsor_id = utm_campaigns.sponsor_id
    left join campaigns as vanity_campaigns
        on parsed.page_url_comparable = {{ comparable_url('vanity_campaigns.vanity_url') }}
        and parsed.sponsor_id = vanity_campaigns.sponsor_id

)

select * from final
