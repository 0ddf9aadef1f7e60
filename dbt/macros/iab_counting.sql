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

{#- A condition: `ip_hash_expr` is not one of the allow-listed IPs (var abusive_ip_allowlist,
    raw IPs hashed here with the salt), which are never judged abusive. -#}
{% macro is_not_allowlisted_ip(ip_hash_expr) -%}
    {%- set ips = var('abusive_ip_allowlist') -%}
    {%- if ips | length == 0 -%}
        true
    {%- else -%}
        {{ ip_hash_expr }} not in (
        {%- for ip in ips -%}
            {{ podcast_warehouse.hash_ip(podcast_warehouse.ip_canonical("'" ~ ip ~ "'")) }}
            {%- if not loop.last %}, {% endif -%}
        {%- endfor -%})
    {%- endif -%}
{%- endmacro %}

{#- Where an inserted ad delivered to a download's listener belongs to that download: the
    (exclusive) end of the span [window_started_at, end) a delivery of the window lies in,
    by the window type's own rule: its UTC day (calendar), 24 h from its first request
    (first_touch), 24 h from its last request (last_touch). `window` names a relation of
    int_downloads_windowed. fct_ad_impressions joins by it and its incremental scope
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

-- First byte a request's response covered: 0 for a full (200) response, the range start
-- for a 206 to `bytes=N-`, size - N for a suffix range `bytes=-N`. The request covered
-- [start, start + bytes_sent). Shared by download counting and ad delivery.
{% macro coverage_start(http_status, range_header, file_size_bytes) -%}
    case
        when {{ http_status }} = 200 then 0
        when {{ range_header }} like 'bytes=-%'
            then greatest({{ file_size_bytes }} - cast({{ regexp_capture(
                range_header, '^bytes=-([0-9]+)') }} as {{ dbt.type_bigint() }}), 0)
        else coalesce(cast({{ regexp_capture(
            range_header, '^bytes=([0-9]+)-') }} as {{ dbt.type_bigint() }}), 0)
    end
{%- endmacro %}

-- Stable episode id: the show and the episode's guid within it (the enclosure URL when the
-- guid is missing, as Apple does).
{% macro episode_key(show_id, guid_or_url) -%}
    {{ dbt.hash(dbt.concat([show_id, "'|'", guid_or_url])) }}
{%- endmacro %}
