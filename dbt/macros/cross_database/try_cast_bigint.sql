{#- Text -> bigint, null (never an error) when the trimmed text is not an optionally signed
    run of at most 18 digits. dbt.safe_cast is a plain cast on Postgres, hence this macro. -#}
{% macro try_cast_bigint(expr) -%}
    {{ return(adapter.dispatch('try_cast_bigint', 'podcast_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__try_cast_bigint(expr) -%}
    {%- set text = "trim(cast(" ~ expr ~ " as " ~ dbt.type_string() ~ "))" -%}
    case
        when {{ podcast_warehouse.regexp_like(text, '^[+-]?[0-9]{1,18}$') }}
            then cast({{ text }} as {{ dbt.type_bigint() }})
    end
{%- endmacro %}

{% macro duckdb__try_cast_bigint(expr) -%}
    {%- set text = "trim(cast(" ~ expr ~ " as " ~ dbt.type_string() ~ "))" -%}
    case
        when {{ podcast_warehouse.regexp_like(text, '^[+-]?[0-9]{1,18}$') }}
            then try_cast({{ text }} as {{ dbt.type_bigint() }})
    end
{%- endmacro %}
