{#- The first day (a date) of the ISO week (Monday) or month containing `date_expr`. Going
    through a zone-less timestamp keeps Postgres from truncating in the session's time zone. -#}
{% macro period_start(period, date_expr) -%}
    cast({{ dbt.date_trunc(period, "cast(" ~ date_expr ~ " as " ~ dbt.type_timestamp() ~ ")") }} as date)
{%- endmacro %}
