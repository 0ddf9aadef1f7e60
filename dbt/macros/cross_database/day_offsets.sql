{#- A set-returning select-list expression: one row per integer 0..`last_expr` (none when
    it is negative), so a row spreads over exactly the days it spans, e.g. a subscription
    from its start to the data's last day. Bounded by the data's own span, not by a fixed
    calendar (a generate_series of N days would cut a longer span silently). -#}
{% macro day_offsets(last_expr) -%}
    {{ return(adapter.dispatch('day_offsets', 'podcast_warehouse')(last_expr)) }}
{%- endmacro %}

{% macro duckdb__day_offsets(last_expr) -%}
    unnest(range(0, cast({{ last_expr }} as bigint) + 1))
{%- endmacro %}

{% macro postgres__day_offsets(last_expr) -%}
    generate_series(0, cast({{ last_expr }} as bigint))
{%- endmacro %}
