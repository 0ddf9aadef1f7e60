{#- Postgres plans a query on a table's statistics, and a table dbt just built has none
    until autovacuum gets to it (never, where it is off): the planner then guesses a
    handful of rows and picks nested loops, which ran a small test world's coverage model
    for minutes. Analyze each built table, and each incremental scope, right away. DuckDB
    keeps its statistics as it writes: nothing to do there. -#}
{% macro analyze_for_planner(relation) -%}
    {%- if target.type == 'postgres' -%}
        analyze {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- The post-hook of every model: tables and incremental models only (views hold no rows). -#}
{% macro analyze_built_table() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        {{ analyze_for_planner(this) }}
    {%- endif -%}
{%- endmacro %}

{#- The same, run at once: for the tables a materialization creates as it goes. -#}
{% macro analyze_now(relation) -%}
    {%- set sql = analyze_for_planner(relation) | trim -%}
    {%- if sql -%}{%- do run_query(sql) -%}{%- endif -%}
{%- endmacro %}
