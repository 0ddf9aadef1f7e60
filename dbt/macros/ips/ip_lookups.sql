{#- The IP lookups (int_ips_located, stg_ad_delivery__ips): one row per distinct IP
    spelling, kept incrementally by load time (incremental/lookups.sql). -#}

{#- What every row of an IP lookup derives from: the salt (its md5), the salted
    expressions and, given `country_ranges` (stg_geo__ip_country_ranges, for int_ips_located),
    the range key and the version of the IP -> country ranges. -#}
{% macro ip_lookup_fingerprint(country_ranges=none) -%}
    {%- set expressions = [podcast_warehouse.hash_ip(podcast_warehouse.ip_canonical('ip')),
                           podcast_warehouse.hash_ip(podcast_warehouse.ip_listener_prefix('ip'))] -%}
    {%- set inputs = [podcast_warehouse.ip_salt_md5()] -%}
    {%- if country_ranges is not none -%}
        {%- do expressions.append(podcast_warehouse.ip_range_key('ip')) -%}
        {%- do inputs.append(podcast_warehouse.relation_version(country_ranges)) -%}
    {%- endif -%}
    {{ return(local_md5(tojson([expressions | map('string') | list] + inputs))) }}
{%- endmacro %}

{#- The CTEs `spellings` and `keyed` of an IP lookup over `source_relation`'s ip column:
    one row per distinct spelling (trimmed, lower case; purge tokens aside: see
    ip_lookup_purged) of the raw rows loaded since the
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
            and not {{ podcast_warehouse.ip_is_purged('ip') }}
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
