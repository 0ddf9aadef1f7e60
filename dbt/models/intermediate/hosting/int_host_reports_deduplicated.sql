-- One row per provider, show, episode and day: the most recently loaded host report of that
-- day's downloads (hosts revise recent days and the pullers re-pull a look-back).
with

reports as (

    select * from {{ ref('stg_hosting_api__episode_downloads') }}

),

ranked as (

    select
        reports.*,
        row_number() over (
            partition by hosting_provider, show_id, episode_guid, download_date
            order by _loaded_at desc, _source_file desc, _source_line desc
        ) as report_rank
    from reports

),

final as (

    select
        {{ surrogate_key(['hosting_provider', 'show_id', 'episode_guid', 'download_date']) }}
            as host_report_day_id,
        hosting_provider,
        show_id,
        episode_guid,
        provider_episode_id,
        episode_title,
        download_date,
        download_count,
        _source_file,
        _loaded_at
    from ranked
    where report_rank = 1

)

select * from final
