-- One row per campaign whose booking is valid (int_booking_errors lists the others):
-- flight, budget, pricing model, booked impressions, attribution window and the codes that
-- identify its responders.
with

campaigns as (

    select * from {{ ref('stg_bookings__campaigns') }}

),

codes as (

    select * from {{ ref('stg_bookings__campaign_codes') }}

),

errors as (

    select * from {{ ref('int_booking_errors') }}

),

campaign_codes as (

    select
        campaign_id,
        min(case when code_type = 'promo_code' then upper(code) end) as promo_code,
        min(case when code_type = 'vanity_url' then code end) as vanity_url,
        count(*) as code_count
    from codes
    group by campaign_id

),

final as (

    select
        campaigns.campaign_id,
        coalesce(nullif(campaigns.tenant_id, ''), '{{ var("default_tenant_id") }}') as tenant_id,
        campaigns.sponsor_id,
        campaigns.campaign_name,
        campaigns.start_date,
        campaigns.end_date,
        {{ dbt.datediff('campaigns.start_date', 'campaigns.end_date', 'day') }} + 1 as flight_days,
        campaigns.pricing_model,
        campaigns.currency,
        campaigns.budget_amount,
        campaigns.booked_impressions,
        campaigns.cpa_rate,
        coalesce(campaigns.attribution_window_days, 30) as attribution_window_days,
        campaign_codes.promo_code,
        campaign_codes.vanity_url
    from campaigns
    left join campaign_codes
        on campaigns.campaign_id = campaign_codes.campaign_id
    where not exists (
        select 1 from errors where errors.campaign_id = campaigns.campaign_id
    )

)

select * from final
