-- One row per episode and UTC day with at least one counted download: IAB downloads and
-- listeners (distinct listener keys with a counted download that day).
-- Incremental by download day: a run rebuilds the days download_days_to_rebuild() names
-- (days whose counted windows changed; the days of an episode whose release date changed).
{{ config(
    materialized='incremental',
    incremental_strategy='replace_scope',
    replace_scope='episode_daily_days_to_rebuild',
    unique_key='download_date',
    on_schema_change='fail',
) }}
{{ materialize_replace_scope(
    downloads=ref('int_downloads_windowed'),
    episodes=ref('dim_episodes'),
) }}

with

downloads as (

    select * from {{ ref('fct_downloads') }}
    {%- if is_incremental() %}
    where download_date in (select download_date from {{ replace_scope_relation() }})
    {%- endif %}

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
        {{ days_since_release('episodes.published_date', 'daily.download_date') }}
            as days_since_release,
        daily.downloads,
        daily.listeners,
        {{ processed_at() }} as _processed_at
    from daily
    left join episodes
        on daily.episode_id = episodes.episode_id

)

select * from final
