-- One row per sponsor x from-state x to-state of the first-order Markov chain over
-- journeys (grain sponsor_id x from_state x to_state): how many journeys made that step.
-- Every journey starts in '(start)'; its states are channels '<touch type>:<campaign>'.
--   converting: an order's touchpoints (int_touchpoints_matched: within each campaign's
--     attribution window before the order), ending in '(conversion)';
--   non-converting: a household that never bought from the sponsor, its touches that need
--     no order (impressions, UTM and vanity URL visits) of the sponsor's campaigns, each
--     within its campaign's attribution window before the household's last such touch
--     (where the journey stops: the same rule, with the last touch for the order), ending
--     in '(null)'. Promo codes and surveys exist only with an order.
-- The chain itself is solved in Python (analyses/attribution/markov.py).
-- A journey through one channel needs no ordering (start, n - 1 steps from the channel to
-- itself, end): when all its touches lie in the window it is counted from the
-- household's exposure (int_exposures_rolled_up_to_households) or its visits grouped,
-- otherwise its touches in the window are counted; only journeys through several
-- channels have their touches sorted.
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

    select * from {{ ref('int_ad_impressions_delivered') }}

),

visits as (

    select * from {{ ref('int_visits_tagged') }}

),

campaigns as (

    select * from {{ ref('int_campaigns_validated') }}

),

-- a journey is keyed by its sponsor, whether it converted and an id in that kind: the
-- conversion or the household (no hash per touch)
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
    where household_ip_hash is not null

),

-- visits that name a campaign: touches (an untagged visit is the response, not a touch)
campaign_visits as (

    select
        sponsor_id,
        household_ip_hash,
        case when vanity_campaign_id is not null then 'vanity_url' else 'utm_visit' end
            as touch_type,
        coalesce(vanity_campaign_id, utm_campaign_id) as campaign_id,
        visited_at,
        pixel_visit_id
    from visits
    where household_ip_hash is not null
        and coalesce(vanity_campaign_id, utm_campaign_id) is not null

),

-- each household's touches of each channel: how many, the first and the last
household_channels as (

    select
        sponsor_id,
        household_ip_hash,
        'impression' as touch_type,
        campaign_id,
        impressions as channel_touches,
        first_delivered_at as first_touched_at,
        last_delivered_at as last_touched_at
    from exposures

    union all

    select
        sponsor_id,
        household_ip_hash,
        touch_type,
        campaign_id,
        count(*),
        min(visited_at),
        max(visited_at)
    from campaign_visits
    group by sponsor_id, household_ip_hash, touch_type, campaign_id

),

unconverted_channels as (

    select household_channels.*
    from household_channels
    left join buyers
        on household_channels.sponsor_id = buyers.sponsor_id
        and household_channels.household_ip_hash = buyers.household_ip_hash
    where buyers.household_ip_hash is null

),

-- a non-converting journey stops at the household's last touch
journey_ends as (

    select
        sponsor_id,
        household_ip_hash,
        count(*) as channels,
        max(last_touched_at) as ended_at
    from unconverted_channels
    group by sponsor_id, household_ip_hash

),

-- a channel's touches on the journey: those after window_starts_at (its campaign's
-- attribution window before the journey's end; a touch exactly one window before is out,
-- as for an order)
channel_windows as (

    select
        unconverted_channels.*,
        journey_ends.channels,
        {{ dbt.dateadd('day', '-campaigns.attribution_window_days', 'journey_ends.ended_at') }}
            as window_starts_at
    from unconverted_channels
    inner join journey_ends
        on unconverted_channels.sponsor_id = journey_ends.sponsor_id
        and unconverted_channels.household_ip_hash = journey_ends.household_ip_hash
    inner join campaigns
        on unconverted_channels.campaign_id = campaigns.campaign_id

),

-- channels with no touch in the window drop out before any touch is read
in_window as (

    select *
    from channel_windows
    where last_touched_at > window_starts_at

),

-- journeys through one channel whose touches all lie in the window: counted as grouped
whole_single_channel as (

    select sponsor_id, touch_type, campaign_id, channel_touches
    from in_window
    where channels = 1
        and first_touched_at > window_starts_at

),

-- the channels whose touches are read one by one: on journeys through several channels
-- (to be put in order) and on single-channel journeys longer than the window (to be
-- counted)
read_touches as (

    select *
    from in_window
    where channels > 1
        or first_touched_at <= window_starts_at

),

windowed_touches as (

    select
        read_touches.sponsor_id,
        read_touches.household_ip_hash,
        read_touches.channels,
        read_touches.touch_type,
        read_touches.campaign_id,
        impressions.delivered_at as touched_at,
        impressions.ad_impression_id as touch_key
    from impressions
    inner join read_touches
        on impressions.campaign_id = read_touches.campaign_id
        and impressions.household_ip_hash = read_touches.household_ip_hash
        and read_touches.touch_type = 'impression'
    where impressions.delivered_at > read_touches.window_starts_at

    union all

    select
        read_touches.sponsor_id,
        read_touches.household_ip_hash,
        read_touches.channels,
        read_touches.touch_type,
        read_touches.campaign_id,
        campaign_visits.visited_at,
        campaign_visits.pixel_visit_id
    from campaign_visits
    inner join read_touches
        on campaign_visits.campaign_id = read_touches.campaign_id
        and campaign_visits.household_ip_hash = read_touches.household_ip_hash
        and campaign_visits.touch_type = read_touches.touch_type
    where campaign_visits.visited_at > read_touches.window_starts_at

),

single_channel_journeys as (

    select * from whole_single_channel

    union all

    select sponsor_id, touch_type, campaign_id, count(*)
    from windowed_touches
    where channels = 1
    group by sponsor_id, household_ip_hash, touch_type, campaign_id

),

-- the steps of single-channel journeys, counted as `counted` below counts sorted ones
single_channel_steps as (

    select
        sponsor_id,
        false as converted,
        cast(null as {{ dbt.type_string() }}) as from_channel,
        touch_type || ':' || campaign_id as to_channel,
        count(*) as transitions
    from single_channel_journeys
    group by sponsor_id, touch_type, campaign_id

    union all

    select sponsor_id, false, touch_type || ':' || campaign_id, touch_type || ':' || campaign_id,
        sum(channel_touches - 1)
    from single_channel_journeys
    where channel_touches > 1
    group by sponsor_id, touch_type, campaign_id

    union all

    select sponsor_id, false, touch_type || ':' || campaign_id,
        cast(null as {{ dbt.type_string() }}), count(*)
    from single_channel_journeys
    group by sponsor_id, touch_type, campaign_id

),

not_converting as (

    select
        sponsor_id,
        household_ip_hash as journey_key,
        touch_type || ':' || campaign_id as channel,
        touched_at,
        touch_key,
        false as converted
    from windowed_touches
    where channels > 1

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

    select * from single_channel_steps

),

-- states: '(start)', the channels (named alike on both kinds of journey: their counts
-- add up), and the ends '(conversion)' and '(null)'
named as (

    select
        sponsor_id,
        coalesce(from_channel, '(start)') as from_state,
        case
            when to_channel is not null then to_channel
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
