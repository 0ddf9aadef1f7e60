-- One row per counted IAB download: episode x listener key x window (window type: var
-- download_window_type). Candidate windows below the byte threshold are not downloads.
-- A view on DuckDB: int_downloads_windowed is maintained incrementally, and a filter over
-- it is always in step with it, at no storage cost. A table on Postgres (sealed_view()).
{{ config(materialized=sealed_view()) }}

with

windows as (

    select * from {{ ref('int_downloads_windowed') }}

),

user_agents as (

    select * from {{ ref('int_user_agents_classified') }}

),

final as (

    select
        windows.download_window_id as download_id,
        windows.tenant_id,
        windows.show_id,
        windows.episode_id,
        windows.listener_key,
        windows.listener_ip_hash,
        windows.country_code,
        windows.user_agent_id,
        user_agents.app_name,
        user_agents.device_name,
        user_agents.device_category,
        user_agents.os_name,
        windows.window_type,
        windows.download_date,
        windows.window_started_at,
        windows.last_request_at,
        windows.request_count,
        windows.covered_bytes,
        windows.required_bytes,
        windows.threshold_rule,
        windows._processed_at
    from windows
    left join user_agents
        on windows.user_agent_id = user_agents.user_agent_id
    where windows.is_counted

)

select * from final
