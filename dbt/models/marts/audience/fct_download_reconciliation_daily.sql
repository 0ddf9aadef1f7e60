-- One row per tenant x UTC day: every raw request of the day, how many each exclusion rule
-- removed, the candidate requests left, the candidate windows they formed (dated by the day
-- the window opened) and how many of those reached the byte threshold, i.e. counted
-- downloads. A request belongs to the tenant of the episode its URL matched; requests that
-- matched no episode belong to no tenant (tenant_id null: the warehouse owner's row).
{%- set reasons = ['method_not_get', 'status_304', 'status_not_counted', 'range_0_1',
                   'empty_user_agent', 'apple_watch_duplicate', 'bot', 'unmatched_url',
                   'abusive_ip'] %}
with

requests as (

    select * from {{ ref('int_requests_filtered') }}

),

windows as (

    select * from {{ ref('int_downloads_windowed') }}

),

requests_daily as (

    select
        tenant_id,
        request_date as report_date,
        count(*) as requests,
        {%- for reason in reasons %}
        sum(case when exclusion_reason = '{{ reason }}' then 1 else 0 end)
            as excluded_{{ reason }},
        {%- endfor %}
        sum(case when exclusion_reason is null then 1 else 0 end) as candidate_requests
    from requests
    group by tenant_id, request_date

),

windows_daily as (

    select
        tenant_id,
        download_date as report_date,
        count(*) as candidate_windows,
        sum(case when is_counted then 0 else 1 end) as windows_below_threshold,
        sum(case when is_counted then 1 else 0 end) as downloads
    from windows
    group by tenant_id, download_date

),

joined as (

    select
        coalesce(requests_daily.tenant_id, windows_daily.tenant_id) as tenant_id,
        coalesce(requests_daily.report_date, windows_daily.report_date) as report_date,
        coalesce(requests_daily.requests, 0) as requests,
        {%- for reason in reasons %}
        coalesce(requests_daily.excluded_{{ reason }}, 0) as excluded_{{ reason }},
        {%- endfor %}
        coalesce(requests_daily.candidate_requests, 0) as candidate_requests,
        coalesce(windows_daily.candidate_windows, 0) as candidate_windows,
        coalesce(windows_daily.windows_below_threshold, 0) as windows_below_threshold,
        coalesce(windows_daily.downloads, 0) as downloads
    from requests_daily
    full outer join windows_daily
        on requests_daily.report_date = windows_daily.report_date
        -- hashable (tenant ids are never empty): requests of no tenant meet theirs
        and coalesce(requests_daily.tenant_id, '') = coalesce(windows_daily.tenant_id, '')

),

final as (

    select
        {{ surrogate_key(['tenant_id', 'report_date']) }} as tenant_day_id,
        joined.*
    from joined

)

select * from final
