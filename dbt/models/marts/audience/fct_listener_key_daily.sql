-- One row per listener key x show x UTC day with a candidate request or a counted download:
-- what the key did (requests, episodes, downloads, repeats of earlier days' downloads), how
-- regularly its requests were spaced, how many other keys shared its IP that day and how
-- the OPAWG lists classify its user agent. The request-level features of the traffic-quality
-- analysis (analyses.traffic_quality), computed here so no request leaves the warehouse.
with

requests as (

    select * from {{ ref('int_candidate_requests_spaced') }}

),

downloads as (

    select * from {{ ref('int_downloads_repeated') }}

),

user_agents as (

    select * from {{ ref('int_user_agents_classified') }}

),

request_days as (

    select
        listener_key,
        show_id,
        request_date as activity_date,
        min(tenant_id) as tenant_id,
        min(listener_ip_hash) as listener_ip_hash,
        min(user_agent_id) as user_agent_id,
        count(*) as requests,
        count(distinct episode_id) as episodes_requested,
        min(requested_at) as first_request_at,
        max(requested_at) as last_request_at,
        count(gap_seconds) as gap_count,
        avg(cast(gap_seconds as {{ type_double() }})) as gap_mean_seconds,
        stddev_samp(cast(gap_seconds as {{ type_double() }})) as gap_stddev_seconds
    from requests
    group by listener_key, show_id, request_date

),

download_days as (

    select
        listener_key,
        show_id,
        download_date as activity_date,
        min(tenant_id) as tenant_id,
        min(listener_ip_hash) as listener_ip_hash,
        min(user_agent_id) as user_agent_id,
        count(*) as downloads,
        count(distinct episode_id) as episodes_downloaded,
        sum(case when is_repeat then 1 else 0 end) as repeat_downloads,
        min(window_started_at) as first_download_at,
        max(window_started_at) as last_download_at
    from downloads
    group by listener_key, show_id, download_date

),

-- keys per IP and day: a household has a device or two, a data centre many user agents
ip_days as (

    select
        listener_ip_hash,
        request_date as activity_date,
        count(distinct listener_key) as keys_on_ip
    from requests
    group by listener_ip_hash, request_date

),

joined as (

    select
        coalesce(request_days.listener_key, download_days.listener_key) as listener_key,
        coalesce(request_days.show_id, download_days.show_id) as show_id,
        coalesce(request_days.activity_date, download_days.activity_date) as activity_date,
        coalesce(request_days.tenant_id, download_days.tenant_id) as tenant_id,
        -- a download whose window opened the day before has no request that day
        coalesce(request_days.listener_ip_hash, download_days.listener_ip_hash)
            as listener_ip_hash,
        coalesce(request_days.user_agent_id, download_days.user_agent_id) as user_agent_id,
        coalesce(request_days.requests, 0) as requests,
        coalesce(request_days.episodes_requested, 0) as episodes_requested,
        request_days.first_request_at,
        request_days.last_request_at,
        coalesce(request_days.gap_count, 0) as gap_count,
        request_days.gap_mean_seconds,
        request_days.gap_stddev_seconds,
        coalesce(download_days.downloads, 0) as downloads,
        coalesce(download_days.episodes_downloaded, 0) as episodes_downloaded,
        coalesce(download_days.repeat_downloads, 0) as repeat_downloads,
        download_days.first_download_at,
        download_days.last_download_at
    from request_days
    full outer join download_days
        on request_days.listener_key = download_days.listener_key
        and request_days.show_id = download_days.show_id
        and request_days.activity_date = download_days.activity_date

),

final as (

    select
        {{ surrogate_key(['joined.listener_key', 'joined.show_id', 'joined.activity_date']) }}
            as listener_key_day_id,
        joined.tenant_id,
        joined.show_id,
        joined.activity_date,
        joined.listener_key,
        joined.listener_ip_hash,
        joined.user_agent_id,
        user_agents.user_agent,
        coalesce(user_agents.app_name, 'unknown') as app_name,
        user_agents.matched_list is null as is_unclassified_user_agent,
        coalesce(ip_days.keys_on_ip, 0) as keys_on_ip,
        joined.requests,
        joined.episodes_requested,
        joined.first_request_at,
        joined.last_request_at,
        joined.gap_count,
        joined.gap_mean_seconds,
        joined.gap_stddev_seconds,
        case
            when joined.gap_count >= 2 and joined.gap_mean_seconds > 0
                then joined.gap_stddev_seconds / joined.gap_mean_seconds
        end as gap_cv,
        joined.downloads,
        joined.episodes_downloaded,
        joined.repeat_downloads,
        joined.first_download_at,
        joined.last_download_at,
        {{ dbt.datediff('joined.first_download_at', 'joined.last_download_at', 'second') }}
            as download_span_seconds
    from joined
    left join user_agents
        on joined.user_agent_id = user_agents.user_agent_id
    left join ip_days
        on joined.listener_ip_hash = ip_days.listener_ip_hash
        and joined.activity_date = ip_days.activity_date

)

select * from final
