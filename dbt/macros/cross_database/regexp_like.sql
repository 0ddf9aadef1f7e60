{#- True when `expr` contains a match of the regular expression `pattern` (a SQL-free
    string: keep to the syntax RE2 and Postgres ARE share, e.g. [0-9] rather than \d). -#}
{% macro regexp_like(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'podcast_warehouse')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like(expr, pattern) -%}
    ({{ expr }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regexp_like(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- True when `expr` contains a match of the regular expression held by the SQL expression
    `pattern_expr` (a column, not a literal), e.g. the OPAWG `pattern_portable` column, which
    keeps to the syntax RE2 and Postgres AREs read alike (see ingest/user_agents.py). -#}
{% macro regexp_like_expr(expr, pattern_expr) -%}
    {{ return(adapter.dispatch('regexp_like_expr', 'podcast_warehouse')(expr, pattern_expr)) }}
{%- endmacro %}

{% macro default__regexp_like_expr(expr, pattern_expr) -%}
    ({{ expr }} ~ {{ pattern_expr }})
{%- endmacro %}

{% macro duckdb__regexp_like_expr(expr, pattern_expr) -%}
    regexp_matches({{ expr }}, {{ pattern_expr }})
{%- endmacro %}
