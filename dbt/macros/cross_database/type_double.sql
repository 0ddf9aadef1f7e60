{#- An 8-byte float on both engines. dbt.type_float() is `float`, which DuckDB reads as a
    4-byte REAL (123456.78 becomes 123456.78125): money and ratios use this instead. -#}
{% macro type_double() -%}
    double precision
{%- endmacro %}
