{#- The first capture group of `pattern` in `expr`, null when it doesn't match (keep to the
    regex syntax RE2 and Postgres ARE share). -#}
{% macro regexp_capture(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_capture', 'podcast_warehouse')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_capture(expr, pattern) -%}
    substring({{ expr }} from '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regexp_capture(expr, pattern) -%}
    nullif(regexp_extract({{ expr }}, '{{ pattern }}', 1), '')
{%- endmacro %}
