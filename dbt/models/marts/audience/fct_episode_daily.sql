-- One row per episode and UTC day with at least one counted download: IAB downloads and
-- listeners (distinct listener keys with a counted download that day).
with

downloads as (

    select * from {{ ref('fct_downloads') }}

),

episodes as (

    select * from {{ ref('dim_episodes') }}

),

daily as (

    select
        tenant_id,
        show_id,
        episode_id,
        download_date,
        count(*) as downloads,
        count(distinct listener_key) as listeners
    from downloads
    group by tenant_id, show_id, episode_id, download_date

),

final as (

    select
        {{ surrogate_key(['daily.episode_id', 'daily.download_date']) }} as episode_day_id,
        daily.tenant_id,
        daily.show_id,
        daily.episode_id,
        daily.download_date,
        {{ dbt.datediff('episodes.published_date', 'daily.download_date', 'day') }}
            as days_since_release,
        daily.downloads,
        daily.listeners
    from daily
    left join episodes
        on daily.episode_id = episodes.episode_id

)

select * from final
