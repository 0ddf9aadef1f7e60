{#- Shared helpers of the incremental models: the run's stamp, day bounds and the
    literal day filters a scope renders (see _incremental__macros.yml). -#}

{#- The invocation's start time: stamped on every row a run writes, so a downstream model
    can tell which rows changed since its own last run. -#}
{% macro processed_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- A condition on a request's day and time: its day within [var request_date_from, var
    request_date_to] when set (backfilling in chunks), else true. The same bounds on the
    timestamp let the engine skip the row groups of other days (zone maps) instead of
    casting every timestamp to a date. -#}
{% macro request_date_bounds(date_column, time_column=none) -%}
    {%- set date_from = var('request_date_from') -%}
    {%- set date_to = var('request_date_to') -%}
    (true
    {%- if date_from %} and {{ date_column }} >= cast('{{ date_from }}' as date){% endif %}
    {%- if date_to %} and {{ date_column }} <= cast('{{ date_to }}' as date){% endif %}
    {%- if time_column %}{{ podcast_warehouse._request_time_bounds(time_column, date_from, date_to) }}{% endif -%}
    )
{%- endmacro %}

{#- ` and <time_column> >= <first day> and < the day after <last day>` (either may be none). -#}
{% macro _request_time_bounds(time_column, first_day, last_day) -%}
    {%- if first_day %} and {{ time_column }} >= cast('{{ first_day }}' as {{ dbt.type_timestamp() }}){% endif %}
    {%- if last_day -%}
        {%- set after = modules.datetime.date.fromisoformat(last_day | string) + modules.datetime.timedelta(days=1) %}
        and {{ time_column }} < cast('{{ after.isoformat() }}' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- A condition selecting the days of this run's scope (the `scope_column` of the scope
    table, e.g. request_days_to_rebuild()'s request_date): a list of date literals on
    date_column and the time range they span on time_column, both of which the engine can
    push down to the table scan (a subquery it cannot); false when there are none. -#}
{% macro scope_days_filter(scope_column, date_column, time_column) -%}
    {%- if not podcast_warehouse.renders_incremental_run() -%}
        {{ return('false') }}
    {%- endif -%}
    {{ return(podcast_warehouse.days_filter(podcast_warehouse.scope_days(scope_column),
                                            date_column, time_column)) }}
{%- endmacro %}

{#- The distinct days of the scope table's `scope_column`, as sorted ISO dates. -#}
{% macro scope_days(scope_column) -%}
    {{ return(podcast_warehouse.replace_scope_rows('distinct ' ~ scope_column)
              | map(attribute=0) | map('string') | sort | list) }}
{%- endmacro %}

{#- `date_column` in `days` (ISO dates, sorted) and, when given, `time_column` within the
    days they span, as literals; false when there are none. -#}
{% macro days_filter(days, date_column, time_column) -%}
    {%- if days | length == 0 -%}
        {{ return('false') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for day in days -%}
        {%- do literals.append("cast('" ~ day ~ "' as date)") -%}
    {%- endfor -%}
    {%- set time_bounds = podcast_warehouse._request_time_bounds(time_column, days[0], days[-1])
                          if time_column else '' -%}
    {{ return('(' ~ date_column ~ ' in (' ~ literals | join(', ') ~ ')' ~ time_bounds ~ ')') }}
{%- endmacro %}

{#- `days` (ISO dates) as a query of one date column named `column`, one row per day; no
    rows when there are none. -#}
{% macro date_rows(days, column) -%}
    {%- set rows = [] -%}
    {%- for day in days -%}
        {%- do rows.append("select cast('" ~ day ~ "' as date) as " ~ column) -%}
    {%- endfor -%}
    {{ return(rows | join(' union all ') if rows
              else 'select cast(null as date) as ' ~ column ~ ' where false') }}
{%- endmacro %}

{#- Every day of a raw source's day summary `source_days` (day_column, count_column,
    latest_loaded_at) or of `built` (a model keeping the raw rows' day_column and
    _loaded_at), with both row counts (raw_rows, built_rows) and whether they are out of
    step: a different row count or latest load time (new, late, replaced or removed
    files). -#}
{% macro days_compared(source_days, built, day_column, count_column) -%}
    with

    source_days as (
        select
            {{ day_column }},
            {{ count_column }} as row_count,
            latest_loaded_at as loaded_at
        from {{ source_days }}
    ),

    built_days as (
        select
            {{ day_column }},
            count(*) as row_count,
            max(_loaded_at) as loaded_at
        from {{ built }}
        group by {{ day_column }}
    )

    select
        coalesce(source_days.{{ day_column }}, built_days.{{ day_column }}) as {{ day_column }},
        source_days.row_count as raw_rows,
        built_days.row_count as built_rows,
        (
            source_days.{{ day_column }} is null
            or built_days.{{ day_column }} is null
            or source_days.row_count <> built_days.row_count
            or source_days.loaded_at <> built_days.loaded_at
        ) as is_out_of_step
    from source_days
    full outer join built_days
        on source_days.{{ day_column }} = built_days.{{ day_column }}
{%- endmacro %}
