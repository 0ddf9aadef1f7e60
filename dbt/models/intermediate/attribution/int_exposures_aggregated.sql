-- One row per campaign x household x impression day (grain campaign_id x household_ip_hash
-- x impression_date): how many of the campaign's ads the household was delivered that day,
-- and when the first and the last were. What the attribution models that only need a
-- household's exposure to a campaign read instead of every impression.
-- Incremental by impression day: a run rebuilds the days exposure_days_to_rebuild() names
-- (days int_ad_impressions_delivered rewrote or emptied since).
{{ config(
    materialized='incremental',
    incremental_strategy='replace_scope',
    replace_scope='exposure_days_to_rebuild',
    unique_key='impression_date',
    on_schema_change='fail',
) }}
{{ materialize_replace_scope(impressions=ref('int_ad_impressions_delivered')) }}

with

impressions as (

    select * from {{ ref('int_ad_impressions_delivered') }}
    {%- if is_incremental() %}
    where {{ scope_days_filter('impression_date', 'impression_date', none) }}
    {%- endif %}

),

final as (

    select
        campaign_id,
        household_ip_hash,
        impression_date,
        sponsor_id,
        count(*) as impressions,
        min(delivered_at) as first_delivered_at,
        max(delivered_at) as last_delivered_at,
        -- the day's impressions as built: a later rebuild of the day stamps a later time
        max(_processed_at) as _impressions_processed_at,
        {{ processed_at() }} as _processed_at
    from impressions
    group by campaign_id, household_ip_hash, impression_date, sponsor_id

)

select * from final
