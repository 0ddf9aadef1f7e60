-- One row per candidate request (grain: request_id; the requests int_requests_filtered did
-- not exclude) with the bytes of its episode's file it carried: [coverage_start,
-- coverage_end), null when its Range header can't place them (coverage_start).
-- A view: the windows (int_downloads_windowed) and the ads' coverage
-- (int_download_coverage_merged) each read a few days or groups of it, and their filters
-- reach the requests' scan through it.
{{ config(materialized='view') }}

with

requests as (

    select * from {{ ref('int_requests_filtered') }}
    where exclusion_reason is null

),

episodes as (

    select * from {{ ref('int_episodes_sized') }}

),

placed as (

    select
        requests.*,
        episodes.file_size_bytes,
        {{ coverage_start('requests.http_status', 'requests.range_header',
                          'episodes.file_size_bytes') }} as coverage_start
    from requests
    inner join episodes
        on requests.episode_id = episodes.episode_id

),

final as (

    select
        placed.*,
        coverage_start + bytes_sent as coverage_end
    from placed

)

select * from final
