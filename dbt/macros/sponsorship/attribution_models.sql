{#- The heuristic attribution models int_touch_credits computes, in the order the marts list
    them (see METHODOLOGY.md, "Attribution"). -#}
{% macro heuristic_attribution_models() -%}
    {{ return(['first_touch', 'last_touch', 'linear', 'time_decay', 'position_based']) }}
{%- endmacro %}
