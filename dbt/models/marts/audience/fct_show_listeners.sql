-- One row per show, period grain (week | month) and period: counted downloads, unique
-- listeners (distinct listener keys with a counted download in the period) and growth
-- against the previous period of the same grain, null unless both periods are complete
-- (is_complete: every day of the period lies in the access logs' coverage; see
-- macros/audience/period_coverage.sql).
-- Incremental by period: a run rebuilds the periods listener_periods_to_rebuild() names
-- (those whose episode-days changed or whose completeness changed, and the period after
-- each), each grain reading only
-- the downloads from its own earliest period to rebuild on. A rebuilt period's growth
-- compares with the previous period as rebuilt too, or as built when it is not rebuilt
-- (then it did not change).
{%- set periods = ['week', 'month'] %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_scope',
    replace_scope='listener_periods_to_rebuild',
    unique_key=['period_grain', 'period_start_date'],
    on_schema_change='fail',
) }}
{{ materialize_replace_scope(
    episode_daily=ref('fct_episode_daily'),
    reconciliation=ref('fct_download_reconciliation_daily'),
) }}
{#- in an incremental run, each grain's earliest period to rebuild (none: no period) -#}
{%- set first_days = {} %}
{%- if renders_incremental_run() %}
{%- for period in periods %}
{%- do first_days.update({period: run_query(
        "select cast(min(period_start_date) as " ~ dbt.type_string() ~ ") from "
        ~ replace_scope_relation() ~ " where period_grain = '" ~ period ~ "'").rows[0][0]}) %}
{%- endfor %}
{%- endif %}
with

{%- if is_incremental() %}
periods_to_rebuild as (

    select * from {{ replace_scope_relation() }}

),
{%- endif %}

downloads as (

    select * from {{ ref('fct_downloads') }}

),

reconciliation as (

    select * from {{ ref('fct_download_reconciliation_daily') }}

),

covered_days as (

    {{ covered_days('reconciliation') }}

),

complete_periods as (

    {{ complete_periods('covered_days') }}

),

{%- for period in periods %}
by_{{ period }} as (

    select
        tenant_id,
        show_id,
        '{{ period }}' as period_grain,
        {{ period_start(period, 'download_date') }} as period_start_date,
        count(*) as downloads,
        count(distinct listener_key) as listeners,
        count(distinct episode_id) as episodes_downloaded
    from downloads
    {%- if is_incremental() %}
    -- from this grain's earliest period to rebuild, as literals the scan can skip older
    -- row groups with (a week's needs fewer days than a month's)
    where {% if first_days.get(period) -%}
        download_date >= cast('{{ first_days[period] }}' as date)
        and window_started_at >= cast('{{ first_days[period] }}' as {{ dbt.type_timestamp() }})
    {%- else %}false{% endif %}
    {%- endif %}
    group by tenant_id, show_id, {{ period_start(period, 'download_date') }}

),
{%- endfor %}

periods as (

    {%- for period in periods %}
    select * from by_{{ period }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

-- what a period's growth compares with: the periods as counted here, except (in an
-- incremental run) those not rebuilt, counted in part from the days read, as built
comparable_periods as (

    {%- if is_incremental() %}
    select periods.show_id, periods.period_grain, periods.period_start_date,
        periods.listeners, periods.downloads
    from periods
    inner join periods_to_rebuild
        on periods.period_grain = periods_to_rebuild.period_grain
        and periods.period_start_date = periods_to_rebuild.period_start_date
    union all
    select built.show_id, built.period_grain, built.period_start_date,
        built.listeners, built.downloads
    from {{ this }} as built
    left join periods_to_rebuild
        on built.period_grain = periods_to_rebuild.period_grain
        and built.period_start_date = periods_to_rebuild.period_start_date
    where periods_to_rebuild.period_grain is null
    {%- else %}
    select show_id, period_grain, period_start_date, listeners, downloads
    from periods
    {%- endif %}

),

with_previous as (

    select
        periods.*,
        case periods.period_grain
            when 'week' then cast({{ dbt.dateadd('day', -7, 'periods.period_start_date') }} as date)
            else cast({{ dbt.dateadd('month', -1, 'periods.period_start_date') }} as date)
        end as previous_period_start_date
    from periods

),

final as (

    select
        {{ surrogate_key(['current_period.show_id', 'current_period.period_grain',
                          'current_period.period_start_date']) }} as show_period_id,
        current_period.tenant_id,
        current_period.show_id,
        current_period.period_grain,
        current_period.period_start_date,
        complete_current.period_grain is not null as is_complete,
        current_period.downloads,
        current_period.listeners,
        current_period.episodes_downloaded,
        -- the adjacent earlier period; null when the show had no downloads in it
        previous_period.listeners as listeners_previous_period,
        previous_period.downloads as downloads_previous_period,
        -- growth compares whole periods only: a 1-day week against a 7-day one is no trend
        case
            when complete_current.period_grain is not null
                and complete_previous.period_grain is not null
                and previous_period.listeners > 0
                then cast(current_period.listeners as {{ type_double() }})
                    / previous_period.listeners - 1
        end as listener_growth,
        case
            when complete_current.period_grain is not null
                and complete_previous.period_grain is not null
                and previous_period.downloads > 0
                then cast(current_period.downloads as {{ type_double() }})
                    / previous_period.downloads - 1
        end as download_growth,
        {{ processed_at() }} as _processed_at
    from with_previous as current_period
    left join comparable_periods as previous_period
        on current_period.show_id = previous_period.show_id
        and current_period.period_grain = previous_period.period_grain
        and current_period.previous_period_start_date = previous_period.period_start_date
    left join complete_periods as complete_current
        on current_period.period_grain = complete_current.period_grain
        and current_period.period_start_date = complete_current.period_start_date
    left join complete_periods as complete_previous
        on current_period.period_grain = complete_previous.period_grain
        and current_period.previous_period_start_date = complete_previous.period_start_date
    {%- if is_incremental() %}
    inner join periods_to_rebuild
        on current_period.period_grain = periods_to_rebuild.period_grain
        and current_period.period_start_date = periods_to_rebuild.period_start_date
    {%- endif %}

)

select * from final
