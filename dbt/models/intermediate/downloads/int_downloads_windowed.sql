-- One row per candidate download: the candidate requests (int_requests_covered) of one
-- listener key for one episode that fall in one window (the window type is var
-- download_window_type), with the size of the union of the byte ranges they covered and
-- whether that reaches the episode's threshold.
-- Incremental by listener key x episode: a run recomputes the windows of the groups
-- download_groups_to_rebuild() names from their first window a changed request can reach
-- (replace_from), reading only the requests from then on.
{{ config(
    materialized='incremental',
    incremental_strategy='replace_scope',
    replace_scope='download_groups_to_rebuild',
    replace_from_column='window_started_at',
    unique_key=['listener_key', 'episode_id'],
    on_schema_change='fail',
) }}
{{ materialize_replace_scope(
    requests=ref('int_requests_filtered'),
    episodes=ref('int_episodes_sized'),
) }}
{%- set window_type = download_window_type() %}
{%- set first_day = replace_from_first_day() %}
with {% if window_type == 'first_touch' %}recursive{% endif %}

requests as (

    select requests.*
    from {{ ref('int_requests_covered') }} as requests
    {%- if is_incremental() %}
    inner join {{ replace_scope_relation() }} as groups_to_rebuild
        on requests.listener_key = groups_to_rebuild.listener_key
        and requests.episode_id = groups_to_rebuild.episode_id
        and (groups_to_rebuild.replace_from is null
             or requests.requested_at >= groups_to_rebuild.replace_from)
    {%- endif %}
    {%- if first_day %}
    -- the same bound as a literal, which the scan can use to skip older days
    where requests.request_date >= cast('{{ first_day }}' as date)
    {%- endif %}

),

episodes as (

    select * from {{ ref('int_episodes_sized') }}

),

sequenced as (

    select
        requests.*,
        row_number() over (
            partition by listener_key, episode_id
            order by requested_at, request_id
        ) as request_seq
    from requests

),

{% if window_type == 'calendar' %}
-- calendar: one window per UTC day
windowed as (

    select
        sequenced.*,
        min(request_seq) over (
            partition by listener_key, episode_id, request_date
        ) as window_seq
    from sequenced

),
{% elif window_type == 'last_touch' %}
-- rolling last-touch: a window lasts until 24 h pass with no request
gaps as (

    select
        sequenced.*,
        case
            when lag(requested_at) over (
                partition by listener_key, episode_id order by request_seq
            ) > requested_at - {{ hours_interval(24) }} then 0
            else 1
        end as opens_window
    from sequenced

),

windowed as (

    select
        gaps.*,
        max(case when opens_window = 1 then request_seq end) over (
            partition by listener_key, episode_id
            order by request_seq
            rows between unbounded preceding and current row
        ) as window_seq
    from gaps

),
{% else %}
-- rolling first-touch: a window opens at a request outside any open window and lasts 24 h.
-- Most listener x episode groups span less than 24 h: one window, opened by their first
-- request. For the others each request points at the first request 24 h or more after it;
-- following those pointers from the group's first request visits exactly the openers.
spans as (

    select
        sequenced.*,
        max(requested_at) over (partition by listener_key, episode_id)
            >= min(requested_at) over (partition by listener_key, episode_id)
                + {{ hours_interval(24) }} as spans_a_day
    from sequenced

),

jumps as (

    select
        listener_key,
        episode_id,
        request_seq,
        min(request_seq) over (
            partition by listener_key, episode_id
            order by requested_at
            range between {{ hours_interval(24) }} following and unbounded following
        ) as next_opener_seq
    from spans
    where spans_a_day

),

openers (listener_key, episode_id, request_seq) as (

    select listener_key, episode_id, request_seq
    from jumps
    where request_seq = 1

    union all

    select jumps.listener_key, jumps.episode_id, jumps.next_opener_seq
    from openers
    inner join jumps
        on openers.listener_key = jumps.listener_key
        and openers.episode_id = jumps.episode_id
        and openers.request_seq = jumps.request_seq
    where jumps.next_opener_seq is not null

),

long_groups_windowed as (

    select
        spans.*,
        max(case when openers.request_seq is not null then spans.request_seq end) over (
            partition by spans.listener_key, spans.episode_id
            order by spans.request_seq
            rows between unbounded preceding and current row
        ) as window_seq
    from spans
    left join openers
        on spans.listener_key = openers.listener_key
        and spans.episode_id = openers.episode_id
        and spans.request_seq = openers.request_seq
    where spans.spans_a_day

),

windowed as (

    select spans.*, 1 as window_seq
    from spans
    where not spans.spans_a_day

    union all

    select * from long_groups_windowed

),
{% endif %}

-- the union of covered byte ranges: sort by start, count only what extends the reach
-- (requests that cover nothing sort last and add nothing)
ranges as (

    select
        windowed.*,
        max(coverage_end) over (
            partition by listener_key, episode_id, window_seq
            order by coverage_start nulls last, coverage_end, request_seq
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from windowed

),

windows as (

    select
        listener_key,
        episode_id,
        window_seq,
        min(tenant_id) as tenant_id,
        min(show_id) as show_id,
        min(listener_ip_hash) as listener_ip_hash,
        min(country_code) as country_code,
        min(user_agent_id) as user_agent_id,
        min(requested_at) as window_started_at,
        max(requested_at) as last_request_at,
        count(*) as request_count,
        coalesce(sum(greatest(
            0, coverage_end - greatest(coverage_start, coalesce(reach_before, 0))
        )), 0) as covered_bytes
    from ranges
    group by listener_key, episode_id, window_seq

),

rebuilt as (

    select
        {{ surrogate_key(['windows.listener_key', 'windows.episode_id',
                          'windows.window_started_at']) }} as download_window_id,
        windows.tenant_id,
        windows.show_id,
        windows.episode_id,
        windows.listener_key,
        windows.listener_ip_hash,
        windows.country_code,
        windows.user_agent_id,
        '{{ window_type }}' as window_type,
        windows.window_started_at,
        cast(windows.window_started_at as date) as download_date,
        windows.last_request_at,
        windows.request_count,
        cast(windows.covered_bytes as {{ dbt.type_bigint() }}) as covered_bytes,
        episodes.required_bytes,
        episodes.threshold_rule,
        coalesce(windows.covered_bytes >= episodes.required_bytes, false) as is_counted
    from windows
    inner join episodes
        on windows.episode_id = episodes.episode_id

),

{%- set content_columns = ['tenant_id', 'show_id', 'listener_ip_hash', 'country_code',
                           'user_agent_id', 'window_type', 'last_request_at',
                           'request_count', 'covered_bytes', 'required_bytes',
                           'threshold_rule', 'is_counted'] %}

-- _processed_at: the run that rebuilt the window's group; _changed_at: the run that last
-- changed the window itself (a rebuilt group's windows mostly come out as they were and
-- keep theirs, so the marts downstream rebuild only the days whose windows changed)
final as (

    {{ select_with_change_stamps(
        'rebuilt', 'download_window_id', content_columns,
        built_filter=("download_date >= cast('" ~ first_day ~ "' as date)"
                      if first_day else none)
    ) }}

)

select * from final
{%- if not is_incremental() %}
-- stored in time order, so that the scans of recent windows skip the older row groups
order by download_date
{%- endif %}
