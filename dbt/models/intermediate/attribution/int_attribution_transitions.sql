-- One row per sponsor x from-state x to-state of the first-order Markov chain over
-- journeys (grain sponsor_id x from_state x to_state): how many journeys made that step.
-- Journeys: each order's touchpoint path (ends in '(conversion)'), and each household's
-- impressions of a sponsor it never bought from (ends in '(null)'); every journey starts
-- in '(start)'. The chain itself is solved in Python (analyses/attribution/markov.py).
{{ config(materialized='table') }}

with

touches as (

    select * from {{ ref('int_touchpoints_matched') }}

),

orders as (

    select * from {{ ref('int_orders_matched') }}

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
    left join buyers
        on impressions.sponsor_id = buyers.sponsor_id
        and impressions.household_ip_hash = buyers.household_ip_hash
    where buyers.household_ip_hash is null

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
