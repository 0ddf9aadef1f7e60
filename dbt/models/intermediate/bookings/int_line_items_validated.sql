-- One row per valid line item of a valid campaign: show x position x rate. The rate is a
-- CPM for cpm and cpa campaigns and a flat fee for the flight for flat ones.
with

line_items as (

    select * from {{ ref('stg_bookings__line_items') }}

),

campaigns as (

    select * from {{ ref('int_campaigns_validated') }}

),

errors as (

    select * from {{ ref('int_booking_errors') }}

),

final as (

    select
        line_items.line_item_id,
        campaigns.tenant_id,
        campaigns.sponsor_id,
        line_items.campaign_id,
        line_items.show_id,
        line_items.ad_position,
        line_items.ad_type,
        line_items.rate,
        line_items.booked_impressions
    from line_items
    inner join campaigns
        on line_items.campaign_id = campaigns.campaign_id
    where not exists (
        select 1 from errors where errors.line_item_id = line_items.line_item_id
    )

)

select * from final
