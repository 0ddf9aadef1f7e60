{#- Tests on the largest incremental tables check only the rows the latest run wrote, with
    config(where='latest_run'): every row is tested in the run that writes it, and a row no
    run rewrote is unchanged since. Sound for keys that include the model's unique_key (a
    request id implies its day; a window id its listener x episode group), since rows of
    different scopes can't collide. A full build writes, and so tests, every row. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where == 'latest_run' -%}
        {%- set where -%}
            _processed_at = (select max(_processed_at) from {{ relation }})
        {%- endset -%}
    {%- endif -%}
    {%- if where -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
