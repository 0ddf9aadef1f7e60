-- One row per sponsor x from-state x to-state of the first-order Markov chain over
-- journeys (grain sponsor_id x from_state x to_state): how many journeys made that step.
-- Journeys: each order's touchpoint path (ends in '(conversion)'), and each household's
-- impressions of a sponsor it never bought from (ends in '(null)'); every journey starts
-- in '(start)'. The chain itself is solved in Python (analyses/attribution/markov.py).
-- A non-converting journey through one campaign's ads only needs no ordering (start, n - 1
-- steps from the campaign to itself, end): it is counted from each household's exposure
-- (int_exposures_rolled_up_to_households);
-- only households that saw several of a sponsor's campaigns have their impressions sorted.
{{ config(materialized='table') }}

with

touches as (

    select * from {{ ref('int_touchpoints_matched') }}

),

orders as (

    select * from {{ ref('int_orders_matched') }}

),

exposures as (

    select * from {{ ref('int_exposures_rolled_up_to_households') }}

),

impressions as (

    select * from {{ ref('fct_ad_impressions') }}

),

-- a journey is keyed by its sponsor, whether it converted and an id in that kind: the
-- conversion or the household (no hash per impression)
converting as (

    select
        sponsor_id,
        conversion_id as journey_key,
        channel,
        touched_at,
        touchpoint_id as touch_key,
        true as converted
    from touches

),

buyers as (

    select distinct sponsor_id, household_ip_hash
    from orders

),

-- each household's exposure to each campaign of a sponsor it never bought from
unconverted_exposures as (

    select
        exposures.sponsor_id,
        exposures.household_ip_hash,
        exposures.campaign_id,
        exposures.impressions
    from exposures
    left join buyers
        on exposures.sponsor_id = buyers.sponsor_id
        and exposures.household_ip_hash = buyers.household_ip_hash
    where buyers.household_ip_hash is null

),

journey_campaigns as (

    select
        sponsor_id,
        household_ip_hash,
        count(*) as campaigns
    from unconverted_exposures
    group by sponsor_id, household_ip_hash

),

single_campaign_journeys as (

    select unconverted_exposures.*
    from unconverted_exposures
    inner join journey_campaigns
        on unconverted_exposures.sponsor_id = journey_campaigns.sponsor_id
        and unconverted_exposures.household_ip_hash = journey_campaigns.household_ip_hash
    where journey_campaigns.campaigns = 1

),

-- the steps of single-campaign journeys, counted as `counted` below counts sorted ones
single_campaign_steps as (

    select
        sponsor_id,
        false as converted,
        cast(null as {{ dbt.type_string() }}) as from_channel,
        campaign_id as to_channel,
        count(*) as transitions
    from single_campaign_journeys
    group by sponsor_id, campaign_id

    union all

    select sponsor_id, false, campaign_id, campaign_id, sum(impressions - 1)
    from single_campaign_journeys
    where impressions > 1
    group by sponsor_id, campaign_id

    union all

    select sponsor_id, false, campaign_id, cast(null as {{ dbt.type_string() }}), count(*)
    from single_campaign_journeys
    group by sponsor_id, campaign_id

),

not_converting as (

    select
        impressions.sponsor_id,
        impressions.household_ip_hash as journey_key,
        -- named 'impression:<campaign>' once counted, not on every impression
        impressions.campaign_id as channel,
        impressions.delivered_at as touched_at,
        impressions.ad_impression_id as touch_key,
        false as converted
    from impressions
    inner join journey_campaigns
        on impressions.sponsor_id = journey_campaigns.sponsor_id
        and impressions.household_ip_hash = journey_campaigns.household_ip_hash
    where journey_campaigns.campaigns > 1

),

journeys as (

    select * from converting
    union all
    select * from not_converting

),

sequenced as (

    select
        journeys.*,
        lag(channel) over (
            partition by sponsor_id, converted, journey_key order by touched_at, touch_key
        ) as previous_channel,
        lead(channel) over (
            partition by sponsor_id, converted, journey_key order by touched_at, touch_key
        ) as next_channel
    from journeys

),

steps as (

    select
        sponsor_id,
        converted,
        previous_channel as from_channel,
        channel as to_channel
    from sequenced

    union all

    select sponsor_id, converted, channel, null
    from sequenced
    where next_channel is null

),

counted as (

    select
        sponsor_id,
        converted,
        from_channel,
        to_channel,
        count(*) as transitions
    from steps
    group by sponsor_id, converted, from_channel, to_channel

    union all

    select * from single_campaign_steps

),

-- states: '(start)', a converting path's channels, 'impression:<campaign>', and the ends
-- '(conversion)' and '(null)'; a converting path's impression touches share the names
named as (

    select
        sponsor_id,
        case
            when from_channel is null then '(start)'
            when converted then from_channel
            else 'impression:' || from_channel
        end as from_state,
        case
            when to_channel is not null and converted then to_channel
            when to_channel is not null then 'impression:' || to_channel
            when converted then '(conversion)'
            else '(null)'
        end as to_state,
        transitions
    from counted

),

final as (

    select
        sponsor_id,
        from_state,
        to_state,
        cast(sum(transitions) as {{ dbt.type_bigint() }}) as transitions
    from named
    group by sponsor_id, from_state, to_state

)

select * from final
