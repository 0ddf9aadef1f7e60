-- One row per merged run of covered bytes of a counted download, [segment_start,
-- segment_end): the union of its requests' byte ranges as disjoint runs. An ad is delivered
-- when one run contains all of its bytes.
-- Incremental by download window: a run rebuilds the counted windows
-- coverage_windows_to_rebuild() names (on the days whose counted windows changed: the
-- windows that changed, and every window of an episode whose file size changed: it places
-- suffix ranges), reading only those windows and the requests of their days' time span.
-- Each run keeps the episode and the file size it used.
{{ config(
    materialized='incremental',
    incremental_strategy='replace_scope',
    replace_scope='coverage_windows_to_rebuild',
    unique_key='download_window_id',
    replace_days_column='download_date',
    replace_scope_history='download_date',
    on_schema_change='fail',
) }}
{{ materialize_replace_scope(
    downloads=ref('int_downloads_windowed'),
    episodes=ref('int_episodes_sized'),
) }}
{%- set span = scoped_windows_span(ref('int_downloads_windowed'))
    if renders_incremental_run() else none %}

with

downloads as (

    select * from {{ ref('int_downloads_windowed') }}
    where is_counted
    {%- if is_incremental() %}
        and {{ days_filter(span.days, 'download_date', 'window_started_at') if span else 'false' }}
        and download_window_id in (
            select download_window_id from {{ replace_scope_relation() }}
        )
    {%- endif %}

),

requests as (

    select * from {{ ref('int_requests_covered') }}
    {%- if span %}
    where requested_at between {{ span.first }} and {{ span.last }}
        and request_date between cast({{ span.first }} as date) and cast({{ span.last }} as date)
    {%- endif %}

),

-- the requests of each counted download (a window's requests lie between its first and
-- last request: windows of one listener x episode never interleave)
covered as (

    select
        downloads.download_window_id,
        downloads.download_date,
        downloads.episode_id,
        requests.file_size_bytes,
        requests.request_id,
        requests.coverage_start,
        requests.coverage_end,
        requests.bytes_sent
    from downloads
    inner join requests
        on downloads.listener_key = requests.listener_key
        and downloads.episode_id = requests.episode_id
        and requests.requested_at between downloads.window_started_at
            and downloads.last_request_at

),

-- gaps and islands over byte offsets: a run opens where a range starts past the reach of
-- every range before it (touching ranges join one run)
reached as (

    select
        covered.*,
        max(coverage_end) over (
            partition by download_window_id
            order by coverage_start, bytes_sent, request_id
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from covered
    -- a request whose Range header can't place its bytes covers none
    where coverage_start is not null

),

numbered as (

    select
        reached.*,
        sum(case when reach_before is null or coverage_start > reach_before then 1 else 0 end)
            over (
                partition by download_window_id
                order by coverage_start, bytes_sent, request_id
                rows between unbounded preceding and current row
            ) as segment_seq
    from reached

),

final as (

    select
        download_window_id,
        segment_seq,
        download_date,
        episode_id,
        file_size_bytes,
        min(coverage_start) as segment_start,
        max(coverage_end) as segment_end,
        {{ processed_at() }} as _processed_at
    from numbered
    group by download_window_id, download_date, episode_id, file_size_bytes, segment_seq

)

select * from final
