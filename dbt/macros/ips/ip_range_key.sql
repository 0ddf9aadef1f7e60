{#- ip_range_key(ip): a text key that sorts, as plain text, in address order within a family,
    so `ip_range_key(ip) between range_start_key and range_end_key` is a range lookup
    (e.g. an IP -> country reference, stg_geo__ip_country_ranges).

    IPv4 -> '4' || 8 lowercase hex digits:        '10.0.0.1'          -> '40a000001'
    IPv6 -> '6' || 16 lowercase hex digits of the first 64 bits:
                                                  '2001:DB8::1'       -> '620010db800000000'
    IPv4-mapped IPv6 is its IPv4:                 '::ffff:10.0.0.1'   -> '40a000001'

    IPv6 is keyed at /64, the IAB listener granularity (ip_listener_prefix): a range bound
    finer than /64 is resolved at its /64, so such a range covers its whole first and last
    /64. Every spelling ip_canonical reads (zero-padded, `::`-compressed, upper case,
    bracketed with a port, with a zone id) gives the same key. Null, empty and text that is
    no IP address give null, never an error. The keys of one family have one length and use
    only [0-9a-f], so they sort alike by bytes or by the usual collations (digits before
    letters), and IPv4 keys sort before IPv6.

    A listener's key IS its address (IPv4) or /64 in hex: like the IP itself it must not be
    stored past the raw layer. Key distinct raw IPs, join them to the ranges and keep only the
    salted hash and the country. Cost per IP: ~1.4 us on DuckDB, ~33 us on Postgres (half of
    it ip_listener_prefix), so key distinct IPs rather than requests.
-#}
{% macro ip_range_key(ip) -%}
    {{ return(adapter.dispatch('ip_range_key', 'podcast_warehouse')(ip)) }}
{%- endmacro %}

{#- The key of a listener prefix `p` as ip_listener_prefix writes it: a dotted quad, or four
    hextets without leading zeros; anything else (garbage kept as written) -> null. `p` is
    a bound name: the callers compute the prefix once. DuckDB's to_hex is upper case. -#}
{% macro _ip_range_key_of_prefix(p) -%}
    {%- set octet = '(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])' -%}
    case
        when {{ podcast_warehouse.regexp_like(p, '^' ~ octet ~ '(\.' ~ octet ~ '){3}$') }}
            then '4'
            {%- for i in range(1, 5) %}
                || lpad(lower(to_hex(cast(split_part({{ p }}, '.', {{ i }}) as integer))), 2, '0')
            {%- endfor %}
        when {{ podcast_warehouse.regexp_like(p, '^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){3}$') }}
            then '6'
            {%- for i in range(1, 5) %}
                || lpad(split_part({{ p }}, ':', {{ i }}), 4, '0')
            {%- endfor %}
    end
{%- endmacro %}

{#- Postgres: the prefix is computed once per row in a scalar subquery (`offset 0` keeps the
    planner from inlining it into every use). -#}
{% macro default__ip_range_key(ip) -%}
    (select {{ podcast_warehouse._ip_range_key_of_prefix('_ip.p') }}
     from (select {{ podcast_warehouse.ip_listener_prefix(ip) }} as p offset 0) as _ip)
{%- endmacro %}

{#- DuckDB: the prefix bound once by a lambda (a let-binding), as in ip_canonical. -#}
{% macro duckdb__ip_range_key(ip) -%}
    list_transform([{{ podcast_warehouse.ip_listener_prefix(ip) }}],
        lambda p: {{ podcast_warehouse._ip_range_key_of_prefix('p') }})[1]
{%- endmacro %}
