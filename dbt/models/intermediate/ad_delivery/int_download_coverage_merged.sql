-- One row per merged run of covered bytes of a counted download, [segment_start,
-- segment_end): the union of its requests' byte ranges as disjoint runs. Only downloads of
-- episodes that carry ads: an ad is delivered when one run contains all of its bytes.
{{ config(materialized='table') }}

with

downloads as (

    select * from {{ ref('int_downloads_windowed') }}
    where is_counted

),

requests as (

    select * from {{ ref('int_requests_filtered') }}
    where exclusion_reason is null

),

episodes as (

    select * from {{ ref('int_episodes_sized') }}

),

baked_in_ads as (

    select * from {{ ref('stg_ad_delivery__baked_in_ads') }}

),

inserted_ads as (

    select * from {{ ref('int_inserted_ads_matched') }}

),

episodes_with_ads as (

    select episode_id
    from baked_in_ads

    union

    select episode_id
    from inserted_ads
    where episode_id is not null

),

-- the requests of each counted download (a window's requests lie between its first and
-- last request: windows of one listener x episode never interleave)
covered as (

    select
        downloads.download_window_id,
        requests.request_id,
        {{ coverage_start('requests.http_status', 'requests.range_header',
                          'episodes.file_size_bytes') }} as coverage_start,
        requests.bytes_sent
    from downloads
    inner join episodes_with_ads
        on downloads.episode_id = episodes_with_ads.episode_id
    inner join episodes
        on downloads.episode_id = episodes.episode_id
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
        coverage_start + bytes_sent as coverage_end,
        max(coverage_start + bytes_sent) over (
            partition by download_window_id
            order by coverage_start, bytes_sent, request_id
            rows between unbounded preceding and 1 preceding
        ) as reach_before
    from covered

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
        min(coverage_start) as segment_start,
        max(coverage_end) as segment_end
    from numbered
    group by download_window_id, segment_seq

)

select * from final
