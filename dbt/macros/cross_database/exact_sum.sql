{#- The sum of a float expression, the same to the last bit on every run: each term is
    rounded to 12 decimals and added as an exact decimal, then the total is cast back to
    a double. A float sum depends on the order the engine adds in, which a parallel
    aggregate doesn't fix (reruns differed in the 15th digit). Terms up to 10^26; for a
    ratio of a term to the total (whose rounding could exceed 1), add in a fixed order
    instead (a window with `order by`). -#}
{% macro exact_sum(expr) -%}
    cast(sum(cast({{ expr }} as decimal(38, 12))) as {{ type_double() }})
{%- endmacro %}
