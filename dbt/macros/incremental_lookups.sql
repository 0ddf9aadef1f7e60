{#- Lookup tables over the distinct values of a raw column (stg_access_logs__ips), kept
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

{#- What every row of an IP lookup derives from: the salted expressions (their SQL carries
    the salt) and, for stg_access_logs__ips, the range key and the version of the IP ->
    country ranges. -#}
{% macro ip_lookup_fingerprint(with_country=true) -%}
    {%- set expressions = [podcast_warehouse.hash_ip(podcast_warehouse.ip_canonical('ip')),
                           podcast_warehouse.hash_ip(podcast_warehouse.ip_listener_prefix('ip'))] -%}
    {%- set inputs = [] -%}
    {%- if with_country -%}
        {%- do expressions.append(podcast_warehouse.ip_range_key('ip')) -%}
        {%- do inputs.append(podcast_warehouse.relation_version(ref('stg_geo__ip_country_ranges'))) -%}
    {%- endif -%}
    {{ return(local_md5(tojson([expressions | map('string') | list] + inputs))) }}
{%- endmacro %}

{#- The CTEs `spellings` and `keyed` of an IP lookup over `source_relation`'s ip column:
    one row per distinct spelling (trimmed, lower case) of the raw rows loaded since the
    lookup's newest, with ip_key (the salted hash of the spelling: how raw rows find their
    row), ip_hash, listener_ip_hash (IPv6 /64), _loaded_at and, with_range_key, the key that
    finds the country. The raw IP itself never leaves these CTEs. -#}
{% macro ip_lookup_keyed(source_relation, fingerprint, with_range_key=true) -%}
    spellings as (

        select
            lower(trim(ip)) as ip,
            max(_loaded_at) as _loaded_at
        from {{ source_relation }}
        where ip is not null
            and {{ podcast_warehouse.loaded_since_filter(fingerprint) }}
        group by lower(trim(ip))

    ),

    keyed as (

        select
            {{ podcast_warehouse.hash_ip('ip') }} as ip_key,
            {{ podcast_warehouse.hash_ip(podcast_warehouse.ip_canonical('ip')) }} as ip_hash,
            {{ podcast_warehouse.hash_ip(podcast_warehouse.ip_listener_prefix('ip')) }}
                as listener_ip_hash,
            {%- if with_range_key %}
            {{ podcast_warehouse.ip_range_key('ip') }} as range_key,
            {%- endif %}
            _loaded_at
        from spellings

    )
{%- endmacro %}
