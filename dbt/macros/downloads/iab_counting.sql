{#- Settings of the IAB v2.3 download counting (see dbt/METHODOLOGY.md). -#}

{#- The configured window type: calendar | first_touch (default) | last_touch. -#}
{% macro download_window_type() -%}
    {%- set window_type = var('download_window_type') -%}
    {%- if window_type not in ['calendar', 'first_touch', 'last_touch'] -%}
        {{ exceptions.raise_compiler_error(
            "var download_window_type=" ~ window_type
            ~ ": expected calendar, first_touch or last_touch") }}
    {%- endif -%}
    {{ return(window_type) }}
{%- endmacro %}

{#- A condition: `ip_hash_expr`, the hash of an IP's listener part (IPv4 whole, IPv6 /64: the
    unit the abusive-IP rule counts), is not that of an allow-listed IP (var
    abusive_ip_allowlist, raw IPs hashed here with the salt): an allow-listed IPv6 address
    exempts its /64. -#}
{% macro is_not_allowlisted_ip(ip_hash_expr) -%}
    {%- set ips = var('abusive_ip_allowlist') -%}
    {%- if ips | length == 0 -%}
        true
    {%- else -%}
        {{ ip_hash_expr }} not in (
        {%- for ip in ips -%}
            {{ podcast_warehouse.hash_ip(podcast_warehouse.ip_listener_prefix("'" ~ ip ~ "'")) }}
            {%- if not loop.last %}, {% endif -%}
        {%- endfor -%})
    {%- endif -%}
{%- endmacro %}

{#- Where an inserted ad delivered to a download's listener belongs to that download: the
    (exclusive) end of the span [window_started_at, end) a delivery of the window lies in,
    by the window type's own rule: its UTC day (calendar), 24 h from its first request
    (first_touch), 24 h from its last request (last_touch). `window` names a relation of
    int_downloads_windowed. int_ad_impressions_delivered joins by it and its incremental scope
    finds the windows a changed delivery day reaches by it. -#}
{% macro delivery_window_end(window) -%}
    {%- set window_type = download_window_type() -%}
    {%- if window_type == 'calendar' -%}
        cast({{ window }}.download_date as {{ dbt.type_timestamp() }}) + {{ hours_interval(24) }}
    {%- elif window_type == 'first_touch' -%}
        {{ window }}.window_started_at + {{ hours_interval(24) }}
    {%- else -%}
        {{ window }}.last_request_at + {{ hours_interval(24) }}
    {%- endif -%}
{%- endmacro %}

{#- An interval of `hours` hours, added to a timestamp the same way on both engines. -#}
{% macro hours_interval(hours) -%}
    interval '{{ hours }} hours'
{%- endmacro %}

{#- ceil(a / b) for non-negative integers, in exact integer arithmetic on both engines. -#}
{% macro ceil_div(a, b) -%}
    {{ return(adapter.dispatch('ceil_div', 'podcast_warehouse')(a, b)) }}
{%- endmacro %}

{% macro default__ceil_div(a, b) -%}
    ((({{ a }}) + ({{ b }}) - 1) / ({{ b }}))
{%- endmacro %}

{% macro duckdb__ceil_div(a, b) -%}
    ((({{ a }}) + ({{ b }}) - 1) // ({{ b }}))
{%- endmacro %}

{#- First byte a request's response covered, or null when its bytes can't be placed; the
    request covered [start, start + bytes_sent). int_requests_covered places every candidate
    request with it, for download counting and ad delivery alike (METHODOLOGY.md, section 5). `range_header` is the normalised header (lower case, no
    spaces, '' when absent), as int_requests_filtered keeps it.
    - 200: 0 (a full response, whatever the Range header asked: a server ignores an invalid
      one, RFC 9110 14.2);
    - 206 or 000 without a Range header: 0;
    - 206 or 000 with one valid byte range (RFC 9110 14.1.1): `bytes=N-` and `bytes=N-M`
      (M >= N) start at N, a suffix `bytes=-L` (L > 0) at max(file size - L, 0);
    - 206 or 000 with any other Range (last < first, `bytes=-0`, not digits, another unit,
      several ranges, numbers beyond 18 digits): null, no bytes (a compliant server answers
      an invalid Range with a 200, and a multipart body's parts can't be placed from the
      request alone). -#}
{% macro coverage_start(http_status, range_header, file_size_bytes) -%}
    case
        when {{ http_status }} = 200 or {{ range_header }} = '' then 0
        else {{ adapter.dispatch('_range_start', 'podcast_warehouse')(range_header, file_size_bytes) }}
    end
{%- endmacro %}

{#- One regex validates the header; the two numbers are read by split_part. -#}
{% macro default___range_start(range_header, file_size_bytes) -%}
    {%- set first = "cast(nullif(split_part(substr(" ~ range_header ~ ", 7), '-', 1), '') as " ~ dbt.type_bigint() ~ ")" -%}
    {%- set last = "cast(nullif(split_part(substr(" ~ range_header ~ ", 7), '-', 2), '') as " ~ dbt.type_bigint() ~ ")" -%}
    case
        when not {{ podcast_warehouse.regexp_like(range_header, '^bytes=[0-9]{0,18}-[0-9]{0,18}$') }} then null
        when {{ first }} is null
            then case when {{ last }} > 0 then greatest({{ file_size_bytes }} - {{ last }}, 0) end
        when {{ last }} is null or {{ last }} >= {{ first }} then {{ first }}
    end
{%- endmacro %}

{#- DuckDB: one regex extracts both numbers, bound once by a lambda (a let-binding): as
    fast as the single capture this replaced, where repeating the expression cost 3x. -#}
{% macro duckdb___range_start(range_header, file_size_bytes) -%}
    list_transform(
        [regexp_extract({{ range_header }}, '^bytes=([0-9]{0,18})-([0-9]{0,18})$', ['first', 'last'])],
        lambda r: case
            when r.first = '' then case
                when r.last <> '' and cast(r.last as bigint) > 0
                    then greatest({{ file_size_bytes }} - cast(r.last as bigint), 0)
            end
            when r.last = '' or cast(r.last as bigint) >= cast(r.first as bigint)
                then cast(r.first as bigint)
        end
    )[1]
{%- endmacro %}

-- Stable episode id: the show and the episode's guid within it (the enclosure URL when the
-- guid is missing, as Apple does).
{% macro episode_key(show_id, guid_or_url) -%}
    {{ dbt.hash(dbt.concat([show_id, "'|'", guid_or_url])) }}
{%- endmacro %}
