{#- IP addresses past the raw layer exist only as salted md5 hashes.

    ip_canonical(ip, n_hextets=8): one spelling per address. IPv4 unchanged (trimmed, a
    `:port` removed); IPv4-mapped IPv6 in any spelling (::ffff:1.2.3.4, ::ffff:102:304,
    0:0:0:0:0:FFFF:0102:0304...) -> the dotted IPv4, so that it has the IPv4's hashes,
    listener and country; other IPv6 -> its first `n_hextets`
    hextets, lowercase, leading zeros stripped, `::` expanded, joined by ':' (brackets, port
    and zone id removed). E.g. "2001:0DB8::1" -> "2001:db8:0:0:0:0:0:1" (8) / "2001:db8:0:0" (4).
    A full (8) address with an embedded dotted quad other than IPv4-mapped is kept as written
    (lowercased). Text that is no IP address is returned trimmed and lowercased.
    ip_listener_prefix(ip): the IAB listener part of an IP: IPv4 whole, IPv6 first 64 bits.
    hash_ip(expr): md5 of salt || '|' || expr; null stays null. -#}

{#- The salt never enters SQL text (compiled files, manifest, dbt's logs). dbt's sessions
    receive it from the environment: DuckDB's as the variable podwh_ip_salt (the profile's
    plugin core.dbt_session reads PODWH_IP_SALT), Postgres's as the setting podwh.ip_salt
    (PGOPTIONS). At the start of every dbt invocation store_ip_salt (on-run-start) copies it
    into the one-row table private.ip_salt, which the hashing SQL reads: so views that hash
    (staging) work for every session, not only dbt's. Without a salt a run stops rather than
    hash unsalted. -#}
{% macro ip_salt_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='private',
                                  identifier='ip_salt', type='table')) }}
{%- endmacro %}

{% macro ip_salt_from_session() -%}
    {{ return(adapter.dispatch('ip_salt_from_session', 'podcast_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__ip_salt_from_session() -%}
    coalesce(getvariable('podwh_ip_salt'), error('no IP salt in this dbt session: run dbt with profiles.yml, whose plugin core.dbt_session sets it from PODWH_IP_SALT'))
{%- endmacro %}

{% macro postgres__ip_salt_from_session() -%}
    current_setting('podwh.ip_salt')
{%- endmacro %}

{% macro store_ip_salt() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set salt = ip_salt_relation() -%}
    {%- do run_query('create schema if not exists ' ~ salt.schema) -%}
    {%- if target.type == 'postgres' -%}
        {%- do run_query('revoke all on schema ' ~ salt.schema ~ ' from public') -%}
    {%- endif -%}
    {#- kept, not replaced: the staging views that hash depend on it (Postgres) -#}
    {%- do run_query('create table if not exists ' ~ salt ~ ' (salt ' ~ dbt.type_string() ~ ')') -%}
    {%- do run_query('delete from ' ~ salt) -%}
    {%- do run_query('insert into ' ~ salt ~ ' select ' ~ ip_salt_from_session()) -%}
{%- endmacro %}

{#- The salt as SQL (a unit test overrides it with a literal, so callers call it unqualified) -#}
{% macro ip_salt_sql() -%}
    (select salt from {{ podcast_warehouse.ip_salt_relation() }})
{%- endmacro %}

{#- The md5 of the salt (text), read when the model renders: fingerprints compare it, so a
    new salt recounts what the old one hashed. -#}
{% macro ip_salt_md5() -%}
    {%- if not execute or load_relation(podcast_warehouse.ip_salt_relation()) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set result = run_query('select md5(' ~ ip_salt_sql() ~ ')') -%}
    {{ return(result.columns[0].values()[0]) }}
{%- endmacro %}

{% macro hash_ip(expr) -%}
    {{ dbt.hash(ip_salt_sql() ~ " || '|' || " ~ expr) }}
{%- endmacro %}

{#- A plain IPv4 spelling (no ':', '[' or '%'): its canonical form is lower(trim(ip)) and
    its listener prefix is itself, on both engines. -#}
{% macro ip_is_plain_v4(ip) -%}
    ({{ dbt.position("':'", ip) }} = 0 and {{ dbt.position("'['", ip) }} = 0 and {{ dbt.position("'%'", ip) }} = 0)
{%- endmacro %}

{% macro ip_listener_prefix(ip) -%}
    {{ return(podcast_warehouse.ip_canonical(ip, 4)) }}
{%- endmacro %}

{% macro ip_canonical(ip, n_hextets=8) -%}
    {{ return(adapter.dispatch('ip_canonical', 'podcast_warehouse')(ip, n_hextets)) }}
{%- endmacro %}

{% macro _ip_groups(expr) -%}
    case when {{ expr }} = '' then 0 else length({{ expr }}) - length(replace({{ expr }}, ':', '')) + 1 end
{%- endmacro %}

{% macro _ip_hextets(v, n_hextets) -%}
    {#- v: lowercased IPv6 text; the dotted-quad tail counts as two (zero) hextets. -#}
    {%- set w = "regexp_replace(" ~ v ~ ", '[0-9]{1,3}(\.[0-9]{1,3}){3}$', '0:0')" -%}
    {%- set head = "split_part(" ~ w ~ ", '::', 1)" -%}
    {%- set tail = "split_part(" ~ w ~ ", '::', 2)" -%}
    {%- set full -%}
        (case when {{ dbt.position("'::'", w) }} > 0
            then {{ head }} || case when {{ head }} = '' then '' else ':' end
                || repeat('0:', greatest(0, 8 - {{ podcast_warehouse._ip_groups(head) }} - {{ podcast_warehouse._ip_groups(tail) }}))
                || {{ tail }}
            else {{ w }}
        end)
    {%- endset -%}
    {%- for i in range(1, n_hextets + 1) -%}
        coalesce(nullif(ltrim(split_part({{ full }}, ':', {{ i }}), '0'), ''), '0')
        {%- if not loop.last %} || ':' || {% endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- lower case; brackets and a port around an IPv6, a zone id, a port after an IPv4 removed -#}
{% macro _ip_cleaned(ip) -%}
    regexp_replace(regexp_replace(regexp_replace(lower(trim(cast({{ ip }} as {{ dbt.type_string() }}))), '^\[|\](:[0-9]+)?$', '', 'g'), '%.*$', ''), '^([0-9]{1,3}(\.[0-9]{1,3}){3}):[0-9]+$', '\1')
{%- endmacro %}

{#- An IPv4-mapped IPv6 written with a hex tail (v: cleaned text): 80 zero bits, ffff, then
    the IPv4 as two hextets. -#}
{% macro _ip_is_mapped_hex(v) -%}
    {{ podcast_warehouse.regexp_like(v, '^[0:]*:ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$') }}
{%- endmacro %}

{#- Its dotted IPv4: each hextet, zero-padded, is two octets in hex. -#}
{% macro _ip_mapped_hex_to_v4(v) -%}
    {%- set octets = [] -%}
    {%- for hextet in (-2, -1) -%}
        {%- set h = "lpad(split_part(regexp_replace(" ~ v ~ ", '^.*:ffff:', ''), ':', " ~ (3 + hextet) ~ "), 4, '0')" -%}
        {%- for start in (1, 3) -%}
            {%- do octets.append("cast((strpos('0123456789abcdef', substr(" ~ h ~ ", " ~ start ~ ", 1)) - 1) * 16 + strpos('0123456789abcdef', substr(" ~ h ~ ", " ~ (start + 1) ~ ", 1)) - 1 as " ~ dbt.type_string() ~ ")") -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ octets | join(" || '.' || ") }}
{%- endmacro %}

{% macro default__ip_canonical(ip, n_hextets) -%}
    {%- set v = podcast_warehouse._ip_cleaned(ip) -%}
    case
        when {{ v }} is null then null
        when not {{ podcast_warehouse.regexp_like(v, ':') }} then {{ v }}
        when not {{ podcast_warehouse.regexp_like(v, '^[0-9a-f:.]+$') }} then {{ v }}
        when {{ podcast_warehouse.regexp_like(v, '^[0:]*:ffff:[0-9]{1,3}(\.[0-9]{1,3}){3}$') }}
            then regexp_replace({{ v }}, '^.*:', '')
        when {{ podcast_warehouse._ip_is_mapped_hex(v) }}
            then {{ podcast_warehouse._ip_mapped_hex_to_v4(v) }}
        {% if n_hextets > 6 -%}
        when {{ podcast_warehouse.regexp_like(v, '\.') }} then {{ v }}
        {% endif -%}
        else {{ podcast_warehouse._ip_hextets(v, n_hextets) }}
    end
{%- endmacro %}

{#- DuckDB: the same steps with each intermediate bound once by a lambda (a let-binding),
    so the expression is not recomputed per hextet on hundreds of millions of requests. -#}
{% macro duckdb__ip_canonical(ip, n_hextets) -%}
    {%- set raw = "cast(" ~ ip ~ " as " ~ dbt.type_string() ~ ")" -%}
    case
    -- fast path for plain IPv4 (most traffic): what the general branch would return
    when not contains({{ raw }}, ':') and not contains({{ raw }}, '[') and not contains({{ raw }}, '%')
        then lower(trim({{ raw }}))
    -- fast path for a full eight-hextet IPv6 (no '::', no dotted quad, not IPv4-mapped):
    -- strip each hextet's leading zeros in one regex pass, keep the first n hextets
    when regexp_full_match(lower(trim({{ raw }})), '([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}')
        and not regexp_full_match(lower(trim({{ raw }})), '(0{1,4}:){5}ffff:.*')
        then regexp_extract(
            regexp_replace(lower(trim({{ raw }})), '(^|:)0+([0-9a-f])', '\1\2', 'g'),
            '^([^:]+(:[^:]+){ {{- n_hextets - 1 -}} })', 1)
    else (list_transform([{{ podcast_warehouse._ip_cleaned(ip) }}], lambda v:
        case
            when v is null then null
            when not regexp_matches(v, ':') then v
            when not regexp_matches(v, '^[0-9a-f:.]+$') then v
            when regexp_matches(v, '^[0:]*:ffff:[0-9]{1,3}(\.[0-9]{1,3}){3}$')
                then regexp_replace(v, '^.*:', '')
            when {{ podcast_warehouse._ip_is_mapped_hex('v') }}
                then {{ podcast_warehouse._ip_mapped_hex_to_v4('v') }}
            {% if n_hextets > 6 -%}
            when regexp_matches(v, '\.') then v
            {% endif -%}
            else list_transform([regexp_replace(v, '[0-9]{1,3}(\.[0-9]{1,3}){3}$', '0:0')], lambda w:
                list_transform([split_part(w, '::', 1)], lambda head:
                    list_transform([split_part(w, '::', 2)], lambda tail:
                        array_to_string(list_transform(
                            string_split(
                                case when strpos(w, '::') > 0
                                    then head || case when head = '' then '' else ':' end
                                        || repeat('0:', greatest(0, 8 - {{ podcast_warehouse._ip_groups('head') }} - {{ podcast_warehouse._ip_groups('tail') }}))
                                        || tail
                                    else w
                                end || repeat(':', {{ n_hextets }}),
                                ':'
                            )[1:{{ n_hextets }}],
                            lambda h: coalesce(nullif(ltrim(h, '0'), ''), '0')
                        ), ':')
                    )[1]
                )[1]
            )[1]
        end
    )[1])
    end
{%- endmacro %}
