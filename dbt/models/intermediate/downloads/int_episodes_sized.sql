-- One row per episode: its file size and the bytes a download must cover (IAB v2.3, the
-- one-minute rule), with how each was known.
with

episodes as (

    select * from {{ ref('int_episodes_deduplicated') }}

),

shows as (

    select * from {{ ref('int_shows_deduplicated') }}

),

requests as (

    select * from {{ ref('int_requests_filtered') }}

),

-- a complete 200 response carries the whole file: the largest one is the file's size
observed_sizes as (

    select
        episode_id,
        max(bytes_sent) as largest_full_response_bytes
    from requests
    where http_status = 200
        and http_method = 'GET'
        and episode_id is not null
    group by episode_id

),

sized as (

    select
        episodes.episode_id,
        episodes.show_id,
        episodes.tenant_id,
        episodes.duration_seconds,
        episodes.enclosure_length_bytes,
        observed_sizes.largest_full_response_bytes,
        -- a header can't be longer than the file it heads
        least(
            coalesce(shows.header_bytes, {{ var('default_header_bytes') }}),
            coalesce(episodes.enclosure_length_bytes, shows.header_bytes,
                     {{ var('default_header_bytes') }})
        ) as header_bytes,
        case
            when episodes.enclosure_length_bytes > 0 then episodes.enclosure_length_bytes
            else observed_sizes.largest_full_response_bytes
        end as file_size_bytes,
        episodes.enclosure_length_bytes is null
            or episodes.enclosure_length_bytes <= 0
            or episodes.duration_seconds is null
            or episodes.duration_seconds < 60 as requires_whole_file
    from episodes
    left join shows
        on episodes.show_id = shows.show_id
    left join observed_sizes
        on episodes.episode_id = observed_sizes.episode_id

),

final as (

    select
        sized.*,
        case
            when requires_whole_file then file_size_bytes
            else header_bytes + {{ ceil_div(
                '60 * (enclosure_length_bytes - header_bytes)', 'duration_seconds') }}
        end as required_bytes,
        case when requires_whole_file then 'whole_file' else 'one_minute' end as threshold_rule
    from sized

)

select * from final
