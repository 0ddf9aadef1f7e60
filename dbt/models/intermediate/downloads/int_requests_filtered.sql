-- One row per access-log request with its IAB v2.3 exclusion reason (null for a request
-- that may count). The first rule that applies is the reason, in the order of PRODUCT.md.
-- Incremental by UTC request day: a run rebuilds only the days request_days_to_rebuild()
-- names (changed raw rows or newly matching URLs within var lookback_days; every day when
-- the counting settings changed). Every rule is local to one day, so a day rebuilt alone
-- is exactly what a full build gives. The days are computed once, when the model renders,
-- into its scope table: the select filters on them as literals, the delete reads the table.
{{ config(
    materialized='incremental',
    incremental_strategy='replace_scope',
    replace_scope='request_days_to_rebuild',
    unique_key='request_date',
    on_schema_change='fail',
) }}
{{ materialize_replace_scope(
    request_days=ref('stg_access_logs__request_days'),
    episode_urls=ref('int_episode_urls_ranked'),
) }}

with

requests as (

    select * from {{ ref('int_requests_enriched') }}
    {%- if is_incremental() %}
    where {{ scope_days_filter('request_date', 'request_date', 'requested_at') }}
    {%- else %}
    where {{ request_date_bounds('request_date', 'requested_at') }}
    {%- endif %}

),

user_agents as (

    select * from {{ ref('int_user_agents_classified') }}

),

episode_urls as (

    select * from {{ ref('int_episode_urls_ranked') }}

),

requests_joined as (

    select
        requests.request_id,
        requests.requested_at,
        requests.request_date,
        requests.ip_hash,
        requests.listener_ip_hash,
        requests.country_code,
        requests.user_agent,
        requests.http_method,
        requests.http_status,
        lower(replace(coalesce(requests.range_header, ''), ' ', '')) as range_header,
        requests.bytes_sent,
        requests.url_normalized,
        requests._loaded_at,
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

-- rule 9: more than abusive_ip_threshold remaining requests from one IP in one UTC day, an
-- IPv6 counted by its /64 like the listener key (a household's rotating privacy addresses
-- are one IP here): the listener part of the IP, already hashed per address in staging
abusive_ip_days as (

    select
        listener_ip_hash,
        request_date
    from reasoned
    where first_reason is null
        and {{ is_not_allowlisted_ip('listener_ip_hash') }}
    group by listener_ip_hash, request_date
    having count(*) > {{ var('abusive_ip_threshold') }}

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
        reasoned.country_code,
        reasoned.user_agent_id,
        {{ surrogate_key(['reasoned.listener_ip_hash', 'reasoned.user_agent']) }} as listener_key,
        reasoned.http_method,
        reasoned.http_status,
        reasoned.range_header,
        reasoned.bytes_sent,
        reasoned.url_normalized,
        coalesce(
            reasoned.first_reason,
            case when abusive_ip_days.listener_ip_hash is not null then 'abusive_ip' end
        ) as exclusion_reason,
        '{{ counting_settings_hash() }}' as counting_settings_hash,
        reasoned._loaded_at,
        {{ processed_at() }} as _processed_at
    from reasoned
    left join abusive_ip_days
        on reasoned.first_reason is null
        and reasoned.listener_ip_hash = abusive_ip_days.listener_ip_hash
        and reasoned.request_date = abusive_ip_days.request_date

)

select * from final
