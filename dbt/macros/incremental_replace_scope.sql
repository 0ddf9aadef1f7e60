{#- Incremental strategy `replace_scope`: delete every target row whose unique_key is in the
    run's scope, then insert the freshly built rows.

    Unlike delete+insert (which deletes only the keys present in the new rows), a key in
    scope that now yields no rows - a day whose requests all disappeared, a listener x
    episode group whose requests all became excluded - loses its stale rows too.

    The model names a macro returning its scope (a query over the unique_key columns) with
    config(replace_scope='<macro>') and runs pre_hook="{{ materialize_replace_scope() }}":
    the scope is computed once per run, before the target changes, into a temporary table
    that the model's select and the delete both read. -#}
{% macro get_incremental_replace_scope_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- set keys = [keys] if keys is string else keys -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} as existing
    where exists (
        select 1
        from {{ replace_scope_relation() }} as scope
        where
        {%- for key in keys %}
            scope.{{ key }} = existing.{{ key }}{% if not loop.last %} and{% endif %}
        {%- endfor %}
    );

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- The temporary table holding this run's scope (session-local on both engines). -#}
{% macro replace_scope_relation() -%}
    {{ this.identifier }}__scope
{%- endmacro %}

{#- Pre-hook: compute the scope into its temporary table (incremental runs only). -#}
{% macro materialize_replace_scope() -%}
    {%- if is_incremental() -%}
        {%- set scope_macro = context[config.require('replace_scope')] -%}
        drop table if exists {{ replace_scope_relation() }};
        create temporary table {{ replace_scope_relation() }} as
        {{ scope_macro() }}
    {%- endif -%}
{%- endmacro %}
