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
-- The two sides are counted in int_exposed_outcomes_counted and int_control_outcomes_counted;
-- this model joins them and estimates.
with

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

exposed_outcomes as (

    select * from {{ ref('int_exposed_outcomes_counted') }}

),

control_outcomes as (

    select * from {{ ref('int_control_outcomes_counted') }}

),

joined as (

    select
        campaigns.tenant_id,
        campaigns.sponsor_id,
        campaigns.campaign_id,
        coalesce(exposed_outcomes.exposed_households, 0) as exposed_households,
        coalesce(exposed_outcomes.exposed_household_days, 0) as exposed_household_days,
        coalesce(exposed_outcomes.exposed_conversions, 0) as exposed_conversions,
        control_outcomes.unexposed_households,
        control_outcomes.unexposed_household_days,
        control_outcomes.unexposed_conversions
    from campaigns
    inner join control_outcomes
        on campaigns.campaign_id = control_outcomes.campaign_id
    left join exposed_outcomes
        on campaigns.campaign_id = exposed_outcomes.campaign_id

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
