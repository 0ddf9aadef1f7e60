{#- The select that stamps a replace_scope model's rebuilt rows (the query `rows` names):
    _processed_at = this run (the watermark the next run's scope compares with), and
    _changed_at = the run that last changed the row's content. A rebuilt row whose
    content_columns all equal those of the built row with the same key keeps its
    _changed_at: a scope often rebuilds more rows than really change, and the models
    downstream reopen only what did. `built_filter` (SQL, optional) bounds the scan of the
    built rows to the rebuilt range. -#}
{% macro select_with_change_stamps(rows, key, content_columns, built_filter=none) -%}
    select
        {{ rows }}.*,
        {{ processed_at() }} as _processed_at,
        {%- if is_incremental() %}
        case
            when built.{{ key }} is not null
                {%- for column in content_columns %}
                and {{ rows }}.{{ column }} is not distinct from built.{{ column }}
                {%- endfor %}
                then built._changed_at
            else {{ processed_at() }}
        end as _changed_at
        {%- else %}
        {{ processed_at() }} as _changed_at
        {%- endif %}
    from {{ rows }}
    {%- if is_incremental() %}
    left join (
        select * from {{ this }}
        {%- if built_filter %}
        where {{ built_filter }}
        {%- endif %}
    ) as built
        on {{ rows }}.{{ key }} = built.{{ key }}
    {%- endif %}
{%- endmacro %}
