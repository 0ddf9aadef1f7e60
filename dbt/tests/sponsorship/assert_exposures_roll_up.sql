-- Per campaign, the households' exposures add up to the daily ones they roll up: the same
-- impressions, first and last delivery (one row per household: the model's key test).
-- Returns the campaigns where they don't.
-- an asset check on int_exposures_rolled_up_to_households in Dagster
{{ config(meta={'dagster': {'ref': {'name': 'int_exposures_rolled_up_to_households'}}}) }}
with

daily as (

    select
        campaign_id,
        sum(impressions) as impressions,
        min(first_delivered_at) as first_delivered_at,
        max(last_delivered_at) as last_delivered_at
    from {{ ref('int_exposures_aggregated') }}
    group by campaign_id

),

rolled_up as (

    select
        campaign_id,
        sum(impressions) as impressions,
        min(first_delivered_at) as first_delivered_at,
        max(last_delivered_at) as last_delivered_at
    from {{ ref('int_exposures_rolled_up_to_households') }}
    group by campaign_id

)

select daily.campaign_id, rolled_up.campaign_id as rolled_up_campaign_id
from daily
full outer join rolled_up
    on daily.campaign_id = rolled_up.campaign_id
where daily.campaign_id is null
    or rolled_up.campaign_id is null
    or daily.impressions <> rolled_up.impressions
    or daily.first_delivered_at <> rolled_up.first_delivered_at
    or daily.last_delivered_at <> rolled_up.last_delivered_at
