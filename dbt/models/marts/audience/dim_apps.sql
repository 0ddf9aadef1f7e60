-- One row per tenant and classified user agent seen in that tenant's requests: the app,
-- device, OS and bot flags of the OPAWG user-agents v2 classification.
with

requests as (

    select * from {{ ref('int_requests_filtered') }}

),

user_agents as (

    select * from {{ ref('int_user_agents_classified') }}

),

seen as (

    select
        tenant_id,
        user_agent_id,
        count(*) as requests,
        sum(case when exclusion_reason is null then 1 else 0 end) as candidate_requests,
        min(requested_at) as first_seen_at,
        max(requested_at) as last_seen_at
    from requests
    where tenant_id is not null
    group by tenant_id, user_agent_id

),

final as (

    select
        {{ surrogate_key(['seen.tenant_id', 'seen.user_agent_id']) }} as tenant_user_agent_id,
        seen.tenant_id,
        seen.user_agent_id,
        user_agents.user_agent,
        coalesce(user_agents.app_name, 'unknown') as app_name,
        user_agents.matched_list,
        user_agents.app_category,
        user_agents.device_name,
        user_agents.device_category,
        user_agents.os_name,
        user_agents.is_bot,
        user_agents.is_apple_watch_duplicate,
        user_agents.is_empty,
        seen.requests,
        seen.candidate_requests,
        seen.first_seen_at,
        seen.last_seen_at
    from seen
    inner join user_agents
        on seen.user_agent_id = user_agents.user_agent_id

)

select * from final
