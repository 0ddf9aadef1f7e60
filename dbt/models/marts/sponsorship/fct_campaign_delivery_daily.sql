-- One row per line item x day: the days of its campaign's flight, plus any day outside it
-- on which its ads were still delivered (a host read stays in the episode file).
-- booked: a linear flight plan, booked impressions spread evenly over the flight days;
-- pacing: delivered so far / planned so far; spend by pricing model:
--   cpm  - delivered impressions x rate / 1000, billed up to the booked impressions;
--   flat - the line item's fee spread evenly over the flight days;
--   cpa  - per conversion, not per impression: see fct_campaign_roi (null here).
-- is_complete: the day lies in the access logs' coverage (macros/audience/period_coverage.sql); a
-- flight day the data does not reach yet shows no delivery because none is known yet.
with

line_items as (

    select * from {{ ref('dim_line_items') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

impressions as (

    select * from {{ ref('fct_ad_impressions') }}

),

reconciliation as (

    select * from {{ ref('fct_download_reconciliation_daily') }}

),

covered_days as (

    {{ covered_days('reconciliation') }}

),

flight_offsets as (

    select
        line_items.line_item_id,
        campaigns.start_date,
        {{ day_offsets('campaigns.flight_days - 1') }} as day_offset
    from line_items
    inner join campaigns
        on line_items.campaign_id = campaigns.campaign_id

),

flight_days as (

    select
        line_item_id,
        cast({{ dbt.dateadd('day', 'day_offset', 'start_date') }} as date) as delivery_date
    from flight_offsets

),

delivered as (

    select
        line_item_id,
        impression_date as delivery_date,
        count(*) as delivered_impressions
    from impressions
    group by line_item_id, impression_date

),

days as (

    select line_item_id, delivery_date from flight_days
    union
    select line_item_id, delivery_date from delivered

),

daily as (

    select
        days.line_item_id,
        days.delivery_date,
        line_items.tenant_id,
        line_items.sponsor_id,
        line_items.campaign_id,
        line_items.show_id,
        line_items.ad_position,
        line_items.ad_type,
        campaigns.pricing_model,
        line_items.rate,
        line_items.booked_impressions as line_item_booked_impressions,
        campaigns.flight_days,
        days.delivery_date between campaigns.start_date and campaigns.end_date as is_in_flight,
        covered_days.covered_date is not null as is_complete,
        least(greatest(
            {{ dbt.datediff('campaigns.start_date', 'days.delivery_date', 'day') }} + 1, 0
        ), campaigns.flight_days) as flight_days_elapsed,
        coalesce(delivered.delivered_impressions, 0) as delivered_impressions
    from days
    inner join line_items
        on days.line_item_id = line_items.line_item_id
    inner join campaigns
        on line_items.campaign_id = campaigns.campaign_id
    left join delivered
        on days.line_item_id = delivered.line_item_id
        and days.delivery_date = delivered.delivery_date
    left join covered_days
        on days.delivery_date = covered_days.covered_date

),

cumulated as (

    select
        daily.*,
        case when is_in_flight
            then cast(line_item_booked_impressions as {{ type_double() }}) / flight_days
            else 0
        end as booked_impressions,
        cast(line_item_booked_impressions as {{ type_double() }}) * flight_days_elapsed
            / flight_days as planned_impressions_to_date,
        sum(delivered_impressions) over (
            partition by line_item_id
            order by delivery_date
            rows between unbounded preceding and current row
        ) as delivered_impressions_to_date
    from daily

),

final as (

    select
        {{ surrogate_key(['line_item_id', 'delivery_date']) }} as line_item_day_id,
        tenant_id,
        sponsor_id,
        campaign_id,
        line_item_id,
        show_id,
        ad_position,
        ad_type,
        pricing_model,
        delivery_date,
        is_in_flight,
        is_complete,
        booked_impressions,
        delivered_impressions,
        planned_impressions_to_date,
        delivered_impressions_to_date,
        delivered_impressions_to_date
            / nullif(planned_impressions_to_date, 0) as pacing,
        cast(case pricing_model
            when 'cpm' then (
                least(delivered_impressions_to_date, line_item_booked_impressions)
                - least(delivered_impressions_to_date - delivered_impressions,
                        line_item_booked_impressions)
            ) * rate / 1000
            when 'flat' then case when is_in_flight then rate / flight_days else 0 end
        end as {{ type_double() }}) as spend
    from cumulated

)

select * from final
