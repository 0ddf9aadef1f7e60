{#- What the incremental audience marts rebuild in a run (their replace_scope macros). Each
    compares itself with its input, so it catches up whatever ran before it: a window type
    switch, a backfill in passes or a late file. See METHODOLOGY.md, "Incremental
    processing". -#}

{#- UTC download days whose counted windows changed since this mart's last run: a counted
    window changed later than the mart (_changed_at: new, or rebuilt differently), or a different number of
    counted windows than the mart holds (a window gone or no longer counted). Any change to
    a day's set of counted windows shows one or the other. Every day when the mart is new or
    `fingerprint` (of another input, e.g. the user-agent classification) differs from the
    one its rows were built with. `built_downloads`: the mart's counted windows of a day, as
    an aggregate over its rows. -#}
{% macro download_days_to_rebuild(fingerprint=none, built_downloads='sum(downloads)') -%}
    with

    watermark as (
        select
            max(_processed_at) as processed_at,
            {%- if fingerprint %}
            max(case when _inputs_fingerprint <> '{{ fingerprint }}' then 1 else 0 end)
            {%- else %}
            0
            {%- endif %} as inputs_changed
        from {{ this }}
    ),

    counted_days as (
        select
            download_date,
            count(*) as downloads,
            max(_changed_at) as changed_at
        from {{ ref('int_downloads_windowed') }}
        where is_counted
        group by download_date
    ),

    built_days as (
        select download_date, {{ built_downloads }} as downloads
        from {{ this }}
        group by download_date
    )

    select coalesce(counted_days.download_date, built_days.download_date) as download_date
    from counted_days
    full outer join built_days
        on counted_days.download_date = built_days.download_date
    cross join watermark
    where watermark.processed_at is null
        or watermark.inputs_changed = 1
        or counted_days.download_date is null
        or built_days.download_date is null
        or counted_days.downloads <> built_days.downloads
        or counted_days.changed_at > watermark.processed_at
{%- endmacro %}

{#- A fingerprint of a small input's rows (`columns` of `relation`, e.g. the user-agent
    classification or the episodes' release dates): a mart stamps it on its rows and
    rebuilds every day when it changes. Computed when the model renders. -#}
{% macro relation_fingerprint(relation, columns) -%}
    {#- a unit test's inputs are fixtures (CTEs), not relations -#}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set rows = run_query("select " ~ columns | join(", ") ~ " from " ~ relation
                             ~ " order by " ~ columns | join(", ")) -%}
    {%- set values = [] -%}
    {%- for row in rows -%}
        {%- do values.append(row.values() | map('string') | list) -%}
    {%- endfor -%}
    {{ return(local_md5(tojson(values))) }}
{%- endmacro %}

{#- The listener periods (period_grain, period_start_date) fct_show_listeners rebuilds:
    periods holding an episode-day of fct_episode_daily stamped after the mart's last run,
    periods whose downloads differ from the mart's (an episode-day gone), periods built
    complete or incomplete that the data's coverage now says otherwise of (a day loaded
    late, or emptied), and the period after each (its growth compares with it). Every
    period when the mart is new. -#}
{% macro listener_periods_to_rebuild() -%}
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
        from {{ ref('fct_episode_daily') }}
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
        {{ covered_days(ref('fct_download_reconciliation_daily')) }}
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
    the feed has no built days: it reopens none (its downloads are on rebuilt days). -#}
{% macro episode_daily_days_to_rebuild() -%}
    {{ download_days_to_rebuild() }}
    union
    select built.download_date
    from {{ this }} as built
    left join {{ ref('dim_episodes') }} as episodes
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
    requests of rebuilt days). -#}
{% macro episode_segments_days_to_rebuild() -%}
    {{ download_days_to_rebuild(user_agent_lists_version()) }}
{%- endmacro %}

{#- The version (sha256) of the OPAWG lists loaded, or 'none'. -#}
{% macro user_agent_lists_version() -%}
    {%- set patterns = ref('stg_opawg__patterns') -%}  {#- at parse time too: a dependency -#}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set versions = run_query("select distinct lists_sha256 from " ~ patterns
                                 ~ " order by 1").columns[0].values() -%}
    {{ return(versions | join(',') or 'none') }}
{%- endmacro %}
