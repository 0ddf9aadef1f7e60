-- One row per campaign (grain: campaign_id): the control side of fct_campaign_incrementality.
-- The controls are the tenant's listeners (households with a counted download of its shows,
-- at any time in the data) that no campaign of the sponsor exposed; they are observed over
-- the flight, from its start to its end + the attribution window + a day (the data's
-- horizon, the latest order, at most), and their orders from the sponsor in that period are
-- the unexposed conversions. Counted per tenant x sponsor, never per campaign x listener.
with

campaigns as (

    select * from {{ ref('int_campaigns_validated') }}

),

exposures as (

    select * from {{ ref('int_exposures_rolled_up_to_households') }}

),

downloads as (

    select * from {{ ref('int_downloads_windowed') }}
    where is_counted

),

orders as (

    select * from {{ ref('int_orders_matched') }}

),

horizon as (

    select max(ordered_at) as data_until from orders

),

-- households exposed to any campaign of a sponsor are no controls for its campaigns
sponsor_exposed as (

    select distinct campaigns.sponsor_id, exposures.household_ip_hash
    from exposures
    inner join campaigns
        on exposures.campaign_id = campaigns.campaign_id

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
        ) as observed_until
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

-- the tenant's listeners a sponsor exposed: no controls for its campaigns there (the
-- unexposed are the rest)
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

final as (

    select
        flight_periods.campaign_id,
        flight_periods.observed_from,
        flight_periods.observed_until,
        coalesce(unexposed_outcomes.unexposed_households, 0) as unexposed_households,
        coalesce(unexposed_outcomes.unexposed_households, 0) * greatest(cast(
            {{ dbt.datediff('flight_periods.observed_from', 'flight_periods.observed_until',
                            'second') }} as {{ type_double() }}), 0) / 86400
            as unexposed_household_days,
        coalesce(unexposed_outcomes.unexposed_conversions, 0) as unexposed_conversions
    from flight_periods
    left join unexposed_outcomes
        on flight_periods.campaign_id = unexposed_outcomes.campaign_id

)

select * from final
