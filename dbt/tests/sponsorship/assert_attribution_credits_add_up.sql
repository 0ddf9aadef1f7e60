-- Per conversion and model, the credits sum to 1 and the revenue credits to the order's
-- revenue: returns the conversions x models where they don't.
-- an asset check on fct_attribution in Dagster
{{ config(meta={'dagster': {'ref': {'name': 'fct_attribution'}}}) }}
with

credits as (

    select
        conversion_id,
        attribution_model,
        sum(credit) as credit,
        sum(revenue_credit) as revenue_credit
    from {{ ref('fct_attribution') }}
    group by conversion_id, attribution_model

),

conversions as (

    select * from {{ ref('fct_conversions') }}

)

select credits.*, conversions.revenue
from credits
inner join conversions
    on credits.conversion_id = conversions.conversion_id
where abs(credits.credit - 1) > 1e-9
    or abs(credits.revenue_credit - conversions.revenue) > 1e-6
