{#- Lookup tables over the distinct values of a raw column (int_ips_located, stg_ad_delivery__ips), kept
    incrementally by load time: a run adds the values of the raw rows loaded after the newest
    row the table has seen (a replaced file is loaded anew, so its values are recomputed),
    and starts again from every raw row when its fingerprint - whatever else its columns
    derive from: the salt, a reference table, the SQL of its expressions - differs from the
    one its rows carry. -#}

{#- {stale, loaded_since}: whether the table must be rebuilt from every raw row, else the
    newest load time it has seen. Read when the model renders (and again by its pre-hook). -#}
{% macro lookup_state(fingerprint) -%}
    {%- if not execute or model.resource_type == 'unit_test' or not is_incremental() -%}
        {{ return({'stale': true, 'loaded_since': none}) }}
    {%- endif -%}
    {%- set row = run_query(
        "select max(_loaded_at), count(case when _inputs_fingerprint <> '" ~ fingerprint
        ~ "' then 1 end) from " ~ this).rows[0] -%}
    {{ return({'stale': row[1] > 0, 'loaded_since': row[0]}) }}
{%- endmacro %}

{#- The condition on the raw rows a run reads: those loaded after the newest it has seen. -#}
{% macro loaded_since_filter(fingerprint) -%}
    {%- set state = podcast_warehouse.lookup_state(fingerprint) -%}
    {%- if state.stale or state.loaded_since is none -%}
        true
    {%- else -%}
        _loaded_at > cast('{{ state.loaded_since }}' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: empty a stale table, so that no row of the old fingerprint survives (a salt
    change gives every value a new key). -#}
{% macro reset_stale_lookup(fingerprint) -%}
    {%- if is_incremental() and podcast_warehouse.lookup_state(fingerprint).stale -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}
