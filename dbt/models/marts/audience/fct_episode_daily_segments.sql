-- One row per episode, UTC day and listening segment (app, device category, OS, country):
-- counted downloads and listeners, the split of fct_episode_daily by app, device and country.
-- Listeners don't add up across segments (one listener key has one user agent, so they do
-- across apps, but not across days).
-- Incremental by download day, as fct_episode_daily (every day when the OPAWG lists that
-- classify the user agents changed: _inputs_fingerprint is their version).
{%- set fingerprint = user_agent_lists_version(ref('stg_opawg__patterns')) %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_scope',
    replace_scope='episode_segments_days_to_rebuild',
    unique_key='download_date',
    on_schema_change='fail',
) }}
{{ materialize_replace_scope(
    downloads=ref('int_downloads_windowed'),
    patterns=ref('stg_opawg__patterns'),
) }}

with

downloads as (

    select * from {{ ref('fct_downloads') }}
    {%- if is_incremental() %}
    where download_date in (select download_date from {{ replace_scope_relation() }})
    {%- endif %}

),

final as (

    select
        {{ surrogate_key(['episode_id', 'download_date', "coalesce(app_name, 'unknown')",
                          "coalesce(device_category, 'unknown')",
                          "coalesce(os_name, 'unknown')",
                          "coalesce(country_code, 'unknown')"]) }} as episode_day_segment_id,
        tenant_id,
        show_id,
        episode_id,
        download_date,
        coalesce(app_name, 'unknown') as app_name,
        coalesce(device_category, 'unknown') as device_category,
        coalesce(os_name, 'unknown') as os_name,
        coalesce(country_code, 'unknown') as country_code,
        count(*) as downloads,
        count(distinct listener_key) as listeners,
        '{{ fingerprint }}' as _inputs_fingerprint,
        {{ processed_at() }} as _processed_at
    from downloads
    group by
        tenant_id, show_id, episode_id, download_date,
        coalesce(app_name, 'unknown'),
        coalesce(device_category, 'unknown'),
        coalesce(os_name, 'unknown'),
        coalesce(country_code, 'unknown')

)

select * from final
