{#- For each value of `values_cte`.`value_column`, the first row of `patterns_cte` (in
    `order_by`) whose regex column `pattern_column` matches it, with `columns` of that row.
    Patterns drive the loop: a lateral join that `offset 0` keeps Postgres from flattening
    into a plain join (whose plan loops over the values outside), so Postgres' small regex
    cache compiles each pattern once instead of once per value. -#}
{% macro first_regex_match(values_cte, value_column, patterns_cte, pattern_column, columns,
                           order_by) -%}
    select *
    from (
        select
            matched.{{ value_column }},
            {%- for column in columns %}
            {{ patterns_cte }}.{{ column }},
            {%- endfor %}
            row_number() over (
                partition by matched.{{ value_column }}
                order by {{ order_by }}
            ) as match_rank
        from {{ patterns_cte }}
        cross join lateral (
            select {{ values_cte }}.{{ value_column }}
            from {{ values_cte }}
            where {{ regexp_like_expr(values_cte ~ '.' ~ value_column,
                                      patterns_cte ~ '.' ~ pattern_column) }}
            offset 0
        ) as matched
        where {{ patterns_cte }}.{{ pattern_column }} is not null
    ) as ranked
    where match_rank = 1
{%- endmacro %}
