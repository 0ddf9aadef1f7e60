-- One row per campaign x household (grain campaign_id x household_ip_hash): how many of the
-- campaign's ads the household was delivered, and when the first and the last were. The
-- exposure per household that reach, incrementality and the Markov journeys read: grouped
-- once per run here instead of once in each (eleven million groups at 100M requests).
-- A table rebuilt from int_exposures_aggregated (campaign x household x day, incremental).
{{ config(materialized='table') }}

with

exposures as (

    select * from {{ ref('int_exposures_aggregated') }}

),

final as (

    select
        campaign_id,
        household_ip_hash,
        sponsor_id,
        sum(impressions) as impressions,
        min(first_delivered_at) as first_delivered_at,
        max(last_delivered_at) as last_delivered_at
    from exposures
    group by campaign_id, household_ip_hash, sponsor_id

)

select * from final
