{#- Raw IPs purged after the retention period (core/privacy.py, PODWH_RAW_IP_RETENTION_DAYS)
    are replaced in the raw tables by a token, 'purged:' || ip_key (the salted hash of the
    spelling, as ip_key is everywhere), and the derived values of that spelling (ip_hash,
    listener_ip_hash, country_code) are kept in private.purged_ips (stg_privacy__purged_ips),
    which no full refresh drops: so the models derive from a token what they derived from
    the address, and recounts stay exact. -#}

{% macro ip_is_purged(ip) -%}
    ({{ ip }} like 'purged:%')
{%- endmacro %}

{#- The ip_key a purged token carries. -#}
{% macro purged_ip_key(ip) -%}
    substr({{ ip }}, 8)
{%- endmacro %}

{#- ip_key of a raw IP column: the salted hash of its spelling (trimmed, lower case), or the
    key its purge token carries. -#}
{% macro ip_spelling_key(ip) -%}
    case when {{ podcast_warehouse.ip_is_purged(ip) }}
        then {{ podcast_warehouse.purged_ip_key(ip) }}
        else {{ podcast_warehouse.hash_ip('lower(trim(' ~ ip ~ '))') }}
    end
{%- endmacro %}

{#- The CTE `purged` of an IP lookup (after ip_lookup_keyed's `spellings` and `keyed`): one
    row per purge token among the raw rows the run reads, with the values kept when its
    address was purged (`purged_ips`: stg_privacy__purged_ips), and its country when
    with_country. A key that `keyed` also has (the same spelling loaded again since) is left
    to `keyed`. -#}
{% macro ip_lookup_purged(source_relation, fingerprint, purged_ips, with_country=true) -%}
    purged as (

        select
            kept.ip_key,
            kept.ip_hash,
            kept.listener_ip_hash,
            {%- if with_country %}
            kept.country_code,
            {%- endif %}
            tokens._loaded_at
        from (
            select
                {{ podcast_warehouse.purged_ip_key('ip') }} as ip_key,
                max(_loaded_at) as _loaded_at
            from {{ source_relation }}
            where {{ podcast_warehouse.ip_is_purged('ip') }}
                and {{ podcast_warehouse.loaded_since_filter(fingerprint) }}
            group by {{ podcast_warehouse.purged_ip_key('ip') }}
        ) as tokens
        inner join {{ purged_ips }} as kept
            on kept.ip_key = tokens.ip_key
        where tokens.ip_key not in (select ip_key from keyed)

    )
{%- endmacro %}

{#- on-run-start, after store_ip_salt: creates private.purged_ips when missing; the purged
    addresses' hashes can't be computed again, so a run with another salt than theirs stops
    here instead of mixing two salts. -#}
{% macro check_purged_ips_salt() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set purged = api.Relation.create(database=target.database, schema='private',
                                         identifier='purged_ips', type='table') -%}
    {#- the source stg_privacy__purged_ips reads, for a dbt run of a warehouse never purged
        (the same columns as core/privacy.py's ensure_tables, which purges outside dbt) -#}
    {%- do run_query('create table if not exists ' ~ purged ~ ' (ip_key ' ~ dbt.type_string()
        ~ ', ip_hash ' ~ dbt.type_string() ~ ', listener_ip_hash ' ~ dbt.type_string()
        ~ ', country_code ' ~ dbt.type_string() ~ ', salt_md5 ' ~ dbt.type_string()
        ~ ', purged_at ' ~ dbt.type_timestamp() ~ ')') -%}
    {%- set n = run_query('select count(*) from ' ~ purged ~ ' where salt_md5 <> (select md5(salt) from '
                          ~ ip_salt_relation() ~ ')').columns[0].values()[0] -%}
    {%- if n > 0 -%}
        {{ exceptions.raise_compiler_error(n ~ " purged IP addresses (" ~ purged ~ ") were hashed with another IP salt "
            ~ "than PODWH_IP_SALT's, and their raw addresses are gone: run with the salt they were purged under "
            ~ "(see README, Privacy)") }}
    {%- endif -%}
{%- endmacro %}
