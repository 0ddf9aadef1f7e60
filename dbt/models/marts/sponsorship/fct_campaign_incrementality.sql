-- One row per campaign: did exposure cause conversions, beyond what would have happened
-- anyway? Exposed households (a delivered ad) against comparable unexposed ones: the
-- households with a counted download of the tenant's shows (at any time in the data, not
-- only during the flight) never exposed to any campaign of the sponsor.
--   exposed: orders from the sponsor between a household's first exposure and its last
--     exposure + the attribution window (the data's horizon at most), over household-days;
--   unexposed: orders over household-days from the flight's start to its end + window;
--   baseline rate = unexposed orders / unexposed household-days;
--   incremental conversions = exposed orders - baseline rate x exposed household-days,
--     95% interval from Poisson counts (variance exposed orders + (exposed days /
--     unexposed days)^2 x unexposed orders, at least 1);
--   lift = exposed rate / baseline rate - 1, 95% interval on the log rate ratio.
with

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

exposures as (

    select * from {{ ref('int_exposures_rolled_up_to_households') }}

),

downloads as (

    select * from {{ ref('fct_downloads') }}

),

orders as (

    select * from {{ ref('int_orders_matched') }}

),

horizon as (

    select max(ordered_at) as data_until from orders

),

exposed as (

    select
        campaign_id,
        household_ip_hash,
        first_delivered_at as first_exposed_at,
        last_delivered_at as last_exposed_at
    from exposures

),

exposed_periods as (

    select
        exposed.campaign_id,
        exposed.household_ip_hash,
        campaigns.sponsor_id,
        exposed.first_exposed_at,
        least(
            {{ dbt.dateadd('day', 'campaigns.attribution_window_days', 'exposed.last_exposed_at') }},
            horizon.data_until
        ) as observed_until
    from exposed
    inner join campaigns
        on exposed.campaign_id = campaigns.campaign_id
    cross join horizon

),

exposed_orders as (

    select
        exposed_periods.campaign_id,
        exposed_periods.household_ip_hash,
        greatest(cast({{ dbt.datediff('exposed_periods.first_exposed_at',
                                      'exposed_periods.observed_until', 'second') }}
                      as {{ type_double() }}), 0) / 86400 as observed_days,
        count(orders.order_id) as orders
    from exposed_periods
    left join orders
        on exposed_periods.household_ip_hash = orders.household_ip_hash
        and exposed_periods.sponsor_id = orders.sponsor_id
        and orders.ordered_at >= exposed_periods.first_exposed_at
        and orders.ordered_at <= exposed_periods.observed_until
    group by 1, 2, 3

),

exposed_outcomes as (

    select
        campaign_id,
        count(*) as exposed_households,
        sum(observed_days) as exposed_household_days,
        sum(orders) as exposed_conversions
    from exposed_orders
    group by campaign_id

),

-- households exposed to any campaign of a sponsor are no controls for its campaigns
sponsor_exposed as (

    select distinct campaigns.sponsor_id, exposed.household_ip_hash
    from exposed
    inner join campaigns
        on exposed.campaign_id = campaigns.campaign_id

),

flight_periods as (

    select
        campaigns.campaign_id,
        campaigns.tenant_id,
        campaigns.sponsor_id,
        cast(campaigns.start_date as {{ dbt.type_timestamp() }}) as observed_from,
        least(
            {{ dbt.dateadd('day', 'campaigns.attribution_window_days + 1',
                           'cast(campaigns.end_date as ' ~ dbt.type_timestamp() ~ ')') }},
            horizon.data_until
        ) as observed_until,
        campaigns.start_date,
        campaigns.end_date
    from campaigns
    cross join horizon

),

tenant_listeners as (

    select distinct tenant_id, listener_ip_hash as household_ip_hash
    from downloads

),

sponsor_tenants as (

    select distinct tenant_id, sponsor_id from campaigns

),

tenant_audiences as (

    select tenant_id, count(*) as listeners
    from tenant_listeners
    group by tenant_id

),

-- the tenant's listeners a sponsor exposed: no controls for its campaigns there. Counted
-- per tenant x sponsor, never per campaign x listener (the unexposed are the rest)
exposed_listeners as (

    select
        sponsor_tenants.tenant_id,
        sponsor_tenants.sponsor_id,
        count(*) as listeners
    from sponsor_tenants
    inner join sponsor_exposed
        on sponsor_tenants.sponsor_id = sponsor_exposed.sponsor_id
    inner join tenant_listeners
        on sponsor_tenants.tenant_id = tenant_listeners.tenant_id
        and sponsor_exposed.household_ip_hash = tenant_listeners.household_ip_hash
    group by sponsor_tenants.tenant_id, sponsor_tenants.sponsor_id

),

-- orders from the sponsor over the flight period by the tenant's unexposed listeners
unexposed_orders as (

    select
        flight_periods.campaign_id,
        count(*) as orders
    from flight_periods
    inner join orders
        on flight_periods.sponsor_id = orders.sponsor_id
        and orders.ordered_at >= flight_periods.observed_from
        and orders.ordered_at <= flight_periods.observed_until
    inner join tenant_listeners
        on flight_periods.tenant_id = tenant_listeners.tenant_id
        and orders.household_ip_hash = tenant_listeners.household_ip_hash
    left join sponsor_exposed
        on flight_periods.sponsor_id = sponsor_exposed.sponsor_id
        and orders.household_ip_hash = sponsor_exposed.household_ip_hash
    where sponsor_exposed.household_ip_hash is null
    group by flight_periods.campaign_id

),

unexposed_outcomes as (

    select
        flight_periods.campaign_id,
        tenant_audiences.listeners - coalesce(exposed_listeners.listeners, 0)
            as unexposed_households,
        coalesce(unexposed_orders.orders, 0) as unexposed_conversions
    from flight_periods
    inner join tenant_audiences
        on flight_periods.tenant_id = tenant_audiences.tenant_id
    left join exposed_listeners
        on flight_periods.tenant_id = exposed_listeners.tenant_id
        and flight_periods.sponsor_id = exposed_listeners.sponsor_id
    left join unexposed_orders
        on flight_periods.campaign_id = unexposed_orders.campaign_id

),

joined as (

    select
        campaigns.tenant_id,
        campaigns.sponsor_id,
        campaigns.campaign_id,
        coalesce(exposed_outcomes.exposed_households, 0) as exposed_households,
        coalesce(exposed_outcomes.exposed_household_days, 0) as exposed_household_days,
        coalesce(exposed_outcomes.exposed_conversions, 0) as exposed_conversions,
        coalesce(unexposed_outcomes.unexposed_households, 0) as unexposed_households,
        coalesce(unexposed_outcomes.unexposed_households, 0) * greatest(cast(
            {{ dbt.datediff('flight_periods.observed_from', 'flight_periods.observed_until',
                            'second') }} as {{ type_double() }}), 0) / 86400
            as unexposed_household_days,
        coalesce(unexposed_outcomes.unexposed_conversions, 0) as unexposed_conversions
    from campaigns
    inner join flight_periods
        on campaigns.campaign_id = flight_periods.campaign_id
    left join exposed_outcomes
        on campaigns.campaign_id = exposed_outcomes.campaign_id
    left join unexposed_outcomes
        on campaigns.campaign_id = unexposed_outcomes.campaign_id

),

rated as (

    select
        joined.*,
        exposed_conversions / nullif(exposed_household_days, 0) as exposed_daily_rate,
        unexposed_conversions / nullif(unexposed_household_days, 0) as baseline_daily_rate,
        exposed_household_days / nullif(unexposed_household_days, 0) as days_ratio
    from joined

),

estimated as (

    select
        rated.*,
        exposed_conversions - baseline_daily_rate * exposed_household_days
            as incremental_conversions,
        -- a control group without conversions still leaves its rate uncertain: it is
        -- given the variance of one
        sqrt(exposed_conversions
             + days_ratio * days_ratio * greatest(unexposed_conversions, 1))
            as incremental_conversions_se,
        case when exposed_conversions > 0 and unexposed_conversions > 0
            then sqrt(1.0 / exposed_conversions + 1.0 / unexposed_conversions)
        end as log_rate_ratio_se
    from rated

),

final as (

    select
        campaign_id,
        tenant_id,
        sponsor_id,
        exposed_households,
        exposed_household_days,
        exposed_conversions,
        unexposed_households,
        unexposed_household_days,
        unexposed_conversions,
        exposed_daily_rate,
        baseline_daily_rate,
        baseline_daily_rate * exposed_household_days as expected_conversions_without_ads,
        incremental_conversions,
        incremental_conversions_se,
        incremental_conversions - 1.96 * incremental_conversions_se
            as incremental_conversions_low,
        incremental_conversions + 1.96 * incremental_conversions_se
            as incremental_conversions_high,
        exposed_daily_rate / nullif(baseline_daily_rate, 0) - 1 as lift,
        -- both counts positive, or the log rate ratio (and its interval) is undefined
        case when log_rate_ratio_se is not null
            then exp(ln(exposed_daily_rate / baseline_daily_rate)
                     - 1.96 * log_rate_ratio_se) - 1
        end as lift_low,
        case when log_rate_ratio_se is not null
            then exp(ln(exposed_daily_rate / baseline_daily_rate)
                     + 1.96 * log_rate_ratio_se) - 1
        end as lift_high
    from estimated

)

select * from final
