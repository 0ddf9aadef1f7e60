{#- Which days and periods the data covers (METHODOLOGY.md, "Complete periods"), so that a
    week or month the access logs reach only in part says so and no growth is computed
    against it.

    A UTC day is covered when the counted access logs hold at least one request of it
    (any request, excluded ones too, of any tenant: the day's logs are loaded). Days still
    open to late data (within var lookback_days) are covered: a late file changes their
    figures, and the run that loads it recomputes them. A week or month is complete when
    every one of its days is covered: the first and last days of the data, a gap (a day
    with no logs at all) and the future make the periods they fall in incomplete. -#}

{#- The covered days (covered_date), from the reconciliation mart's daily request counts
    (one row per tenant and day of int_requests_filtered: what was counted, closed days
    included). -#}
{% macro covered_days(reconciliation) -%}
    select distinct report_date as covered_date
    from {{ reconciliation }}
    where requests > 0
{%- endmacro %}

{#- One row per complete period (period_grain, period_start_date) of each grain in
    `periods` (week: ISO, from Monday; month), given a relation or CTE of covered_date. -#}
{% macro complete_periods(covered_days, periods=['week', 'month']) -%}
    {%- for period in periods %}
    select '{{ period }}' as period_grain, period_start_date
    from (
        select
            {{ period_start(period, 'covered_date') }} as period_start_date,
            count(distinct covered_date) as days_covered
        from {{ covered_days }}
        group by {{ period_start(period, 'covered_date') }}
    ) as covered_{{ period }}s
    where days_covered = {{ period_days(period, 'period_start_date') }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- The number of days of the week or month starting on `start_date`. -#}
{% macro period_days(period, start_date) -%}
    {%- if period == 'week' -%}
        7
    {%- else -%}
        {{ dbt.datediff(start_date, 'cast(' ~ dbt.dateadd('month', 1, start_date) ~ ' as date)', 'day') }}
    {%- endif -%}
{%- endmacro %}
