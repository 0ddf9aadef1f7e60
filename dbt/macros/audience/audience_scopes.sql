{#- What the incremental audience marts rebuild in a run (their replace_scope macros).
    See METHODOLOGY.md, "What a daily run reopens". -#}

{#- The listener periods (period_grain, period_start_date) fct_show_listeners rebuilds:
    periods holding an episode-day of fct_episode_daily stamped after the mart's last run,
    periods whose downloads differ from the mart's (an episode-day gone), periods built
    complete or incomplete that the data's coverage now says otherwise of (a day loaded
    late, or emptied), and the period after each (its growth compares with it). Every
    period when the mart is new. `episode_daily`: fct_episode_daily; `reconciliation`:
    fct_download_reconciliation_daily. -#}
{% macro listener_periods_to_rebuild(episode_daily, reconciliation) -%}
    {#- a mart built before is_complete existed: dbt's on_schema_change check says so -#}
    {%- set has_completeness = 'is_complete' in (adapter.get_columns_in_relation(this)
                                                 | map(attribute='name') | list) %}
    with

    watermark as (
        select max(_processed_at) as processed_at from {{ this }}
    ),

    {%- for period in ['week', 'month'] %}
    daily_{{ period }}s as (
        select
            '{{ period }}' as period_grain,
            {{ period_start(period, 'download_date') }} as period_start_date,
            sum(downloads) as downloads,
            max(_processed_at) as processed_at
        from {{ episode_daily }}
        group by {{ period_start(period, 'download_date') }}
    ),
    {%- endfor %}

    daily_periods as (
        select * from daily_weeks
        union all
        select * from daily_months
    ),

    built_periods as (
        select period_grain, period_start_date, sum(downloads) as downloads
        from {{ this }}
        group by period_grain, period_start_date
    ),

    covered_days as (
        {{ covered_days(reconciliation) }}
    ),

    complete_periods as (
        {{ complete_periods('covered_days') }}
    ),

    changed as (
        select
            coalesce(daily_periods.period_grain, built_periods.period_grain) as period_grain,
            coalesce(daily_periods.period_start_date, built_periods.period_start_date)
                as period_start_date
        from daily_periods
        full outer join built_periods
            on daily_periods.period_grain = built_periods.period_grain
            and daily_periods.period_start_date = built_periods.period_start_date
        cross join watermark
        where watermark.processed_at is null
            or daily_periods.period_grain is null
            or built_periods.period_grain is null
            or daily_periods.downloads <> built_periods.downloads
            or daily_periods.processed_at > watermark.processed_at
        {%- if has_completeness %}
        union
        select built.period_grain, built.period_start_date
        from {{ this }} as built
        left join complete_periods
            on built.period_grain = complete_periods.period_grain
            and built.period_start_date = complete_periods.period_start_date
        where built.is_complete <> (complete_periods.period_grain is not null)
        {%- endif %}
    )

    select period_grain, period_start_date from changed
    union
    select
        period_grain,
        case period_grain
            when 'week' then cast({{ dbt.dateadd('day', 7, 'period_start_date') }} as date)
            else cast({{ dbt.dateadd('month', 1, 'period_start_date') }} as date)
        end as period_start_date
    from changed
{%- endmacro %}

{#- The scope of fct_episode_daily: download_days_to_rebuild, and the days of an episode
    whose release date (days_since_release) changed since they were built. A new episode in
    the feed has no built days: it reopens none (its downloads are on rebuilt days).
    `downloads`: int_downloads_windowed; `episodes`: dim_episodes. -#}
{% macro episode_daily_days_to_rebuild(downloads, episodes) -%}
    {{ download_days_to_rebuild(downloads) }}
    union
    select built.download_date
    from {{ this }} as built
    left join {{ episodes }} as episodes
        on built.episode_id = episodes.episode_id
    where {{ days_since_release('episodes.published_date', 'built.download_date') }}
            is distinct from built.days_since_release
{%- endmacro %}

{#- Days from an episode's release to a download day (null when the release is unknown). -#}
{% macro days_since_release(published_date, download_date) -%}
    {{ dbt.datediff(published_date, download_date, 'day') }}
{%- endmacro %}

{#- The scope of fct_episode_daily_segments: download_days_to_rebuild, and every day when the
    OPAWG lists the user agents are classified with changed (a user agent's app, device and
    OS follow from its string and the lists alone; a new user agent only appears in the
    requests of rebuilt days). `downloads`: int_downloads_windowed; `patterns`:
    stg_opawg__patterns. -#}
{% macro episode_segments_days_to_rebuild(downloads, patterns) -%}
    {{ download_days_to_rebuild(downloads, user_agent_lists_version(patterns)) }}
{%- endmacro %}

{#- The version (sha256) of the OPAWG lists loaded (`patterns`: stg_opawg__patterns), or
    'none'. -#}
{% macro user_agent_lists_version(patterns) -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set versions = run_query("select distinct lists_sha256 from " ~ patterns
                                 ~ " order by 1").columns[0].values() -%}
    {{ return(versions | join(',') or 'none') }}
{%- endmacro %}
