{#- Cheap versions of small inputs: a model stamps them on its rows and rebuilds
    everything when they change. -#}

{#- A cheap version of a reference table: its row count and latest load time ('absent'
    before it exists). -#}
{% macro relation_version(relation) -%}
    {#- a unit test's inputs are fixtures (CTEs), not relations -#}
    {%- if not execute or model.resource_type == 'unit_test' or load_relation(relation) is none -%}
        {{ return('absent') }}
    {%- endif -%}
    {%- set row = run_query("select count(*), max(_loaded_at) from " ~ relation).rows[0] -%}
    {{ return(row[0] ~ '|' ~ row[1]) }}
{%- endmacro %}

{#- A fingerprint of a small input's rows (`columns` of `relation`, e.g. the user-agent
    classification or the episodes' release dates): a mart stamps it on its rows and
    rebuilds every day when it changes. Computed when the model renders. -#}
{% macro relation_fingerprint(relation, columns) -%}
    {#- a unit test's inputs are fixtures (CTEs), not relations -#}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set rows = run_query("select " ~ columns | join(", ") ~ " from " ~ relation
                             ~ " order by " ~ columns | join(", ")) -%}
    {%- set values = [] -%}
    {%- for row in rows -%}
        {%- do values.append(row.values() | map('string') | list) -%}
    {%- endfor -%}
    {{ return(local_md5(tojson(values))) }}
{%- endmacro %}
