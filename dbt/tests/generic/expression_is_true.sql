{#- Passes when `expression` (SQL, optionally applied to `column_name`) holds on every row;
    rows where it is null pass, as in dbt_utils.expression_is_true. -#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({% if column_name is not none %}{{ column_name }} {% endif %}{{ expression }})

{% endtest %}
