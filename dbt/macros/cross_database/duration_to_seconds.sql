{#- itunes:duration text -> integer seconds. Accepts "3600", "3600.5" (fraction truncated),
    "MM:SS" (minutes unbounded) and "HH:MM:SS" (optionally with fractional seconds); minutes
    and seconds after a colon must be below 60. Anything else -> null, on either engine. -#}
{% macro duration_to_seconds(expr) -%}
    {%- set s = "trim(cast(" ~ expr ~ " as " ~ dbt.type_string() ~ "))" -%}
    {%- set whole_seconds = "split_part(" ~ s ~ ", '.', 1)" -%}
    case
        when {{ podcast_warehouse.regexp_like(s, '^[0-9]{1,9}(\.[0-9]*)?$') }}
            then {{ podcast_warehouse.try_cast_bigint(whole_seconds) }}
        when {{ podcast_warehouse.regexp_like(s, '^[0-9]{1,7}:[0-5]?[0-9](\.[0-9]*)?$') }}
            then {{ podcast_warehouse.try_cast_bigint("split_part(" ~ whole_seconds ~ ", ':', 1)") }} * 60
                + {{ podcast_warehouse.try_cast_bigint("split_part(" ~ whole_seconds ~ ", ':', 2)") }}
        when {{ podcast_warehouse.regexp_like(s, '^[0-9]{1,5}:[0-5]?[0-9]:[0-5]?[0-9](\.[0-9]*)?$') }}
            then {{ podcast_warehouse.try_cast_bigint("split_part(" ~ whole_seconds ~ ", ':', 1)") }} * 3600
                + {{ podcast_warehouse.try_cast_bigint("split_part(" ~ whole_seconds ~ ", ':', 2)") }} * 60
                + {{ podcast_warehouse.try_cast_bigint("split_part(" ~ whole_seconds ~ ", ':', 3)") }}
    end
{%- endmacro %}
