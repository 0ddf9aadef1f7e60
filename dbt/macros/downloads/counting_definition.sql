{#- The counting definition: the settings that decide what the incremental counting models
    counted, by the model that applies them. A warehouse holds one definition at a time.

    At the end of every `dbt run` / `dbt build`, record_counting_definition (on-run-end)
    writes, for each of these models the invocation built successfully, the values it was
    built with into <intermediate>.counting_definition (model, name, value as JSON). The
    pipeline reads that record before it runs dbt: when the values it is about to pass
    differ, it recounts the warehouse from scratch in passes (core/backfill.py),
    and says so. Run by hand with other vars, the models themselves rebuild what a changed
    value affects (counting_settings_hash, the window_type column): never a mix. -#}
{% macro counting_definition() -%}
    {{ return({
        'int_requests_filtered': {
            'abusive_ip_threshold': var('abusive_ip_threshold'),
            'abusive_ip_allowlist': var('abusive_ip_allowlist'),
            'default_tenant_id': var('default_tenant_id'),
            'ip_salt_md5': podcast_warehouse.ip_salt_md5(),
        },
        'int_downloads_windowed': {
            'download_window_type': podcast_warehouse.download_window_type(),
            'default_header_bytes': var('default_header_bytes'),
        },
    }) }}
{%- endmacro %}

{% macro counting_definition_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='intermediate',
                                  identifier='counting_definition', type='table')) }}
{%- endmacro %}

{% macro record_counting_definition(results) -%}
    {%- if not execute or flags.WHICH not in ('run', 'build') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set built = results | selectattr('status', 'equalto', 'success')
                            | map(attribute='node') | map(attribute='name') | list -%}
    {%- set definition = podcast_warehouse.counting_definition() -%}
    {%- set recorded = [] -%}
    {%- for model, values in definition.items() if model in built -%}
        {%- for name, value in values.items() -%}
            {%- do recorded.append("('" ~ model ~ "', '" ~ name ~ "', '"
                                   ~ (tojson(value) | replace("'", "''")) ~ "')") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if recorded -%}
        {%- set relation = podcast_warehouse.counting_definition_relation() -%}
        {%- set models = definition.keys() | select('in', built) | list -%}
        {%- call statement('record_counting_definition') -%}
            create table if not exists {{ relation }} (
                model {{ dbt.type_string() }},
                name {{ dbt.type_string() }},
                value {{ dbt.type_string() }},
                recorded_at {{ dbt.type_timestamp() }}
            );
            delete from {{ relation }} where model in ('{{ models | join("', '") }}');
            insert into {{ relation }}
            select model, name, value, {{ podcast_warehouse.processed_at() }}
            from (values {{ recorded | join(', ') }}) as recorded (model, name, value);
            {{ podcast_warehouse.analyze_for_planner(relation) }}
        {%- endcall -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
