-- One row per campaign x heuristic attribution model: what it cost, what it reached and
-- what each model credits it with.
--   spend           - cpm and flat: the delivery spend (fct_campaign_delivery_daily);
--                     cpa: cpa_rate x the conversions the model credits;
--   household_reach - distinct households (hashed IP) with a delivered ad;
--   visitors        - reached households that visited the sponsor's site within the
--                     attribution window after one of their impressions;
--   conversions, revenue - the model's credits; ROAS = revenue / spend, CPA = spend /
--   conversions, cost per visitor = spend / visitors, conversion rate = visitors / reach.
{%- set models = heuristic_attribution_models() %}

with

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

delivery as (

    select * from {{ ref('fct_campaign_delivery_daily') }}

),

impressions as (

    select * from {{ ref('fct_ad_impressions') }}

),

exposures as (

    select * from {{ ref('int_exposures_rolled_up_to_households') }}

),

visits as (

    select * from {{ ref('stg_conversions__pixel_visits') }}

),

attribution as (

    select * from {{ ref('fct_attribution') }}

),

models as (

    {%- for model in models %}
    select '{{ model }}' as attribution_model
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}

),

delivered as (

    select
        campaign_id,
        sum(delivered_impressions) as delivered_impressions,
        {{ exact_sum('spend') }} as delivery_spend
    from delivery
    group by campaign_id

),

-- one exposure row per campaign x household reached
reach as (

    select
        campaign_id,
        count(*) as household_reach
    from exposures
    group by campaign_id

),

visitors as (

    select
        impressions.campaign_id,
        count(distinct impressions.household_ip_hash) as visitors
    from impressions
    inner join campaigns
        on impressions.campaign_id = campaigns.campaign_id
    inner join visits
        on impressions.household_ip_hash = visits.listener_ip_hash
        and impressions.sponsor_id = visits.sponsor_id
        and visits.visited_at >= impressions.delivered_at
    where visits.visited_at < {{ dbt.dateadd('day', 'campaigns.attribution_window_days',
                                             'impressions.delivered_at') }}
    group by impressions.campaign_id

),

credited as (

    select
        campaign_id,
        attribution_model,
        {{ exact_sum('credit') }} as conversions,
        {{ exact_sum('revenue_credit') }} as revenue
    from attribution
    group by campaign_id, attribution_model

),

joined as (

    select
        campaigns.tenant_id,
        campaigns.sponsor_id,
        campaigns.campaign_id,
        models.attribution_model,
        campaigns.pricing_model,
        campaigns.start_date as flight_start_date,
        campaigns.budget_amount,
        coalesce(delivered.delivered_impressions, 0) as delivered_impressions,
        coalesce(reach.household_reach, 0) as household_reach,
        coalesce(visitors.visitors, 0) as visitors,
        cast(coalesce(credited.conversions, 0) as {{ type_double() }}) as conversions,
        cast(coalesce(credited.revenue, 0) as {{ type_double() }}) as revenue,
        cast(case
            when campaigns.pricing_model = 'cpa'
                then campaigns.cpa_rate * coalesce(credited.conversions, 0)
            else coalesce(delivered.delivery_spend, 0)
        end as {{ type_double() }}) as spend
    from campaigns
    cross join models
    left join delivered
        on campaigns.campaign_id = delivered.campaign_id
    left join reach
        on campaigns.campaign_id = reach.campaign_id
    left join visitors
        on campaigns.campaign_id = visitors.campaign_id
    left join credited
        on campaigns.campaign_id = credited.campaign_id
        and models.attribution_model = credited.attribution_model

),

final as (

    select
        {{ surrogate_key(['campaign_id', 'attribution_model']) }} as campaign_model_id,
        joined.*,
        revenue / nullif(spend, 0) as roas,
        spend / nullif(conversions, 0) as cpa,
        spend / nullif(visitors, 0) as cost_per_visitor,
        cast(visitors as {{ type_double() }}) / nullif(household_reach, 0) as conversion_rate
    from joined

)

select * from final
