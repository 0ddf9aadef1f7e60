-- Efficiency: per sponsor, the channels' Shapley values sum to the sponsor's conversions
-- with a touchpoint (each conversion is shared out whole). Returns the sponsors where they
-- don't.
-- an asset check on int_attribution_shapley_values in Dagster
{{ config(meta={'dagster': {'ref': {'name': 'int_attribution_shapley_values'}}}) }}
with

touches as (

    select * from {{ ref('int_touchpoints_matched') }}

),

shapley_values as (

    select * from {{ ref('int_attribution_shapley_values') }}

),

conversions as (

    select
        sponsor_id,
        count(distinct conversion_id) as conversions
    from touches
    group by sponsor_id

),

shared as (

    select
        sponsor_id,
        sum(shapley_value) as shapley_value
    from shapley_values
    group by sponsor_id

)

select
    conversions.sponsor_id,
    conversions.conversions,
    shared.shapley_value
from conversions
full outer join shared
    on conversions.sponsor_id = shared.sponsor_id
where conversions.sponsor_id is null
    or shared.sponsor_id is null
    or abs(conversions.conversions - shared.shapley_value) > 1e-9 * conversions.conversions
