{#- ip_country_lookup(keyed_ips, ranges): every row of `keyed_ips` (columns ip, range_key =
    ip_range_key(ip), and any others) with its country_code, from `ranges` (stg_geo__ip_country_ranges):
    the valid range with the greatest start at or below the key, when it reaches the key;
    else null (unknown). Ranges are meant not to overlap, as DB-IP's don't; where they nest,
    the inner range wins inside it.

    One semantics, two plans: DuckDB's ASOF join, and on Postgres a lateral index probe (the
    ranges table has an index on range_start_key), so neither compares every IP with every
    range. -#}
{% macro ip_country_lookup(keyed_ips, ranges) -%}
    select
        keyed.*,
        case when keyed.range_key <= found.range_end_key then found.country_code end
            as country_code
    from {{ keyed_ips }} as keyed
    {{ adapter.dispatch('_nearest_range_join', 'podcast_warehouse')(ranges) }}
{%- endmacro %}

{#- Joins `found`: the valid range with the greatest range_start_key <= keyed.range_key. -#}
{% macro default___nearest_range_join(ranges) -%}
    left join lateral (
        select range_end_key, country_code
        from {{ ranges }} as ranges
        where ranges.is_valid_range
            and ranges.range_start_key <= keyed.range_key
        order by ranges.range_start_key desc
        limit 1
    ) as found on true
{%- endmacro %}

{% macro duckdb___nearest_range_join(ranges) -%}
    asof left join (
        select range_start_key, range_end_key, country_code
        from {{ ranges }}
        where is_valid_range
    ) as found
        on keyed.range_key >= found.range_start_key
{%- endmacro %}

{#- Post-hook of the ranges table: the index the Postgres lateral probe reads (DuckDB's ASOF
    join sorts instead and needs none). -#}
{% macro range_start_index() -%}
    {{ return(adapter.dispatch('range_start_index', 'podcast_warehouse')()) }}
{%- endmacro %}

{% macro default__range_start_index() -%}
    {#- unnamed: Postgres picks a free name (the replaced table's index still exists) -#}
    create index on {{ this }} (range_start_key) where is_valid_range
{%- endmacro %}

{% macro duckdb__range_start_index() -%}
{%- endmacro %}
