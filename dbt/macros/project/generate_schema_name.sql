{#- Use the custom schema name as is (staging, intermediate, marts), without the
    target-schema prefix dbt adds by default; models without one go to the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
