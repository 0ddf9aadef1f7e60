{#- The materialization of a mart that is a filter over an intermediate table: a view on
    DuckDB (always in step, no second copy), a table on Postgres, where row-level security
    seals each mart per tenant (core/tenancy.py) and a view would read its base tables with
    its owner's rights, past the policies. -#}
{% macro sealed_view() -%}
    {{ return('table' if target.type == 'postgres' else 'view') }}
{%- endmacro %}
