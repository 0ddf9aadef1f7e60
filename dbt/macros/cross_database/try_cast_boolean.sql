{#- Feed-style flags -> boolean: true/yes/explicit/1 -> true, false/no/clean/0 -> false
    (case-insensitive, trimmed), anything else -> null. -#}
{% macro try_cast_boolean(expr) -%}
    case lower(trim(cast({{ expr }} as {{ dbt.type_string() }})))
        when 'true' then true
        when 'yes' then true
        when 'explicit' then true
        when '1' then true
        when 'false' then false
        when 'no' then false
        when 'clean' then false
        when '0' then false
    end
{%- endmacro %}
