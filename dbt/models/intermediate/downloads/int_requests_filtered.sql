-- One row per access-log request with its IAB v2.3 exclusion reason (null for a request
-- that may count). The first rule that applies is the reason, in the order of PRODUCT.md.
with

requests as (

    select * from {{ ref('stg_access_logs__requests') }}

),

user_agents as (

    select * from {{ ref('int_user_agents_classified') }}

),

episodes as (

    select * from {{ ref('int_episodes_deduplicated') }}

),

-- one episode per normalised media URL: the most recently published wins a shared URL
episode_urls as (

    select
        enclosure_url_normalized,
        episode_id,
        show_id,
        tenant_id
    from (
        select
            episodes.*,
            row_number() over (
                partition by enclosure_url_normalized
                order by published_at desc nulls last, episode_id
            ) as url_rank
        from episodes
        where enclosure_url_normalized is not null
    ) as ranked
    where url_rank = 1

),

requests_joined as (

    select
        requests.request_id,
        requests.requested_at,
        cast(requests.requested_at as date) as request_date,
        requests.ip_hash,
        requests.listener_ip_hash,
        requests.user_agent,
        requests.http_method,
        requests.http_status,
        lower(replace(coalesce(requests.range_header, ''), ' ', '')) as range_header,
        requests.bytes_sent,
        requests.url_normalized,
        episode_urls.episode_id,
        episode_urls.show_id,
        episode_urls.tenant_id,
        user_agents.user_agent_id,
        coalesce(user_agents.is_bot, false) as is_bot,
        coalesce(user_agents.is_apple_watch_duplicate, false) as is_apple_watch_duplicate,
        coalesce(trim(requests.user_agent), '') in ('', '-') as is_empty_user_agent
    from requests
    left join user_agents
        on coalesce(requests.user_agent, '') = coalesce(user_agents.user_agent, '')
    left join episode_urls
        on requests.url_normalized = episode_urls.enclosure_url_normalized

),

-- rules 1-8 of the filter: everything but the per-IP volume rule
reasoned as (

    select
        requests_joined.*,
        case
            when http_method <> 'GET' then 'method_not_get'
            when http_status = 304 then 'status_304'
            when http_status not in (200, 206, 0) then 'status_not_counted'
            when range_header = 'bytes=0-1' then 'range_0_1'
            when is_empty_user_agent then 'empty_user_agent'
            when is_apple_watch_duplicate then 'apple_watch_duplicate'
            when is_bot then 'bot'
            when episode_id is null then 'unmatched_url'
        end as first_reason
    from requests_joined

),

-- rule 9: more than abusive_ip_threshold remaining requests from one IP in one UTC day
abusive_ip_days as (

    select
        ip_hash,
        request_date
    from reasoned
    where first_reason is null
        and {{ is_not_allowlisted_ip('ip_hash') }}
    group by ip_hash, request_date
    having count(*) > {{ var('abusive_ip_threshold', 1000) }}

),

final as (

    select
        reasoned.request_id,
        reasoned.requested_at,
        reasoned.request_date,
        reasoned.tenant_id,
        reasoned.show_id,
        reasoned.episode_id,
        reasoned.ip_hash,
        reasoned.listener_ip_hash,
        reasoned.user_agent_id,
        {{ surrogate_key(['reasoned.listener_ip_hash', 'reasoned.user_agent']) }} as listener_key,
        reasoned.http_method,
        reasoned.http_status,
        reasoned.range_header,
        reasoned.bytes_sent,
        coalesce(
            reasoned.first_reason,
            case when abusive_ip_days.ip_hash is not null then 'abusive_ip' end
        ) as exclusion_reason
    from reasoned
    left join abusive_ip_days
        on reasoned.first_reason is null
        and reasoned.ip_hash = abusive_ip_days.ip_hash
        and reasoned.request_date = abusive_ip_days.request_date

)

select * from final
