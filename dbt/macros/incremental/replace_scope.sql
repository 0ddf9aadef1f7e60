{#- Incremental strategy `replace_scope`: delete every target row in the run's scope, then
    insert the freshly built rows.

    Unlike delete+insert (which deletes only the keys present in the new rows), a key in
    scope that now yields no rows - a day whose requests all disappeared, a listener x
    episode group whose requests all became excluded - loses its stale rows too.

    The model names a macro returning its scope (a query over the unique_key columns) with
    config(replace_scope='<macro>') and calls {{ materialize_replace_scope() }} in its body:
    the scope is computed once per run, when the model renders and before the target
    changes, into the table private.<model>__scope (helper tables live in schema private,
    which no reader is granted; the last run's scope stays there to look at, replaced by
    the next). The model's select, any literal it renders from the scope
    (replace_scope_rows) and the delete all read that table.

    Optionally, config(replace_from_column='<column>') with a `replace_from` column in the
    scope: only rows whose <column> >= replace_from are replaced (all of the key's rows when
    replace_from is null), e.g. the windows of a listener x episode group from the first one
    a new request can change.

    Optionally, config(replace_days_column='<column>') with that (date) column in the scope
    too: the delete also names the scope's distinct days as literals, so that a scope of
    keys finer than a day (download windows) scans only those days of the target. A scope
    row whose (first) key is null stands for its whole day: every target row of that day is
    replaced, and the model reads the day by date (scope_keys_join, scope_keys_filter)
    rather than matching its millions of keys (a new day). -#}
{% macro get_incremental_replace_scope_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- set keys = [keys] if keys is string else keys -%}
    {%- set replace_from_column = config.get('replace_from_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {#- a join (using), which both engines run as a hash join; a correlated exists with an
        `or` is several times slower on DuckDB -#}
    delete from {{ target }} as existing
    using {{ replace_scope_relation() }} as scope
    where
    {%- for key in keys %}
        scope.{{ key }} = existing.{{ key }}{% if not loop.last %} and{% endif %}
    {%- endfor %}
    {%- if replace_from_column %}
        and (scope.replace_from is null
             or existing.{{ replace_from_column }} >= scope.replace_from)
        {%- set earliest = podcast_warehouse.earliest_replace_from() %}
        {%- if earliest %}
        -- implied by the above, as a literal the scan can skip older row groups with
        and existing.{{ replace_from_column }} >= cast('{{ earliest }}' as {{ dbt.type_timestamp() }})
        {%- endif %}
    {%- endif %}
    {%- set days_column = config.get('replace_days_column') %}
    {%- if days_column %}
        and {{ podcast_warehouse.scope_days_filter(days_column, 'existing.' ~ days_column, none) }};
    {%- set whole_days = podcast_warehouse.whole_scope_days(days_column, keys[0]) %}
    {%- if whole_days %}

    delete from {{ target }}
    where {{ podcast_warehouse.days_filter(whole_days, days_column, none) }}
    {%- endif %}
    {%- endif %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- The table holding this run's scope: private.<model>__scope. -#}
{% macro replace_scope_relation() -%}
    {{ return(api.Relation.create(database=this.database, schema=podcast_warehouse.helper_schema(),
                                  identifier=this.identifier ~ '__scope', type='table')) }}
{%- endmacro %}

{#- The schema of the incremental models' helper tables (scopes, scope histories) and the
    IP salt: never published, granted to no reader. -#}
{% macro helper_schema() -%}
    {{ return('private') }}
{%- endmacro %}

{#- on-run-start: helper tables of an older version sat beside their models; move the scope
    histories (state a later run reads) to the helper schema and drop the scopes (each run
    recomputes its own). A no-op once moved. -#}
{% macro move_helpers_to_helper_schema() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set found = run_query("select table_schema, table_name from information_schema.tables"
        ~ " where table_schema in ('staging', 'intermediate', 'marts')"
        ~ " and (table_name like '%\\_\\_scope' escape '\\'"
        ~ " or table_name like '%\\_\\_scope\\_history' escape '\\')") -%}
    {%- for schema, table in found.rows -%}
        {%- if table.endswith('__scope_history') -%}
            {%- do run_query('create table if not exists ' ~ helper_schema() ~ '.' ~ table
                             ~ ' as select * from ' ~ schema ~ '.' ~ table) -%}
        {%- endif -%}
        {%- do run_query('drop table ' ~ schema ~ '.' ~ table) -%}
    {%- endfor -%}
{%- endmacro %}

{#- The earliest replace_from of this run's scope, as text; none when a key is replaced
    whole (a null replace_from), the scope is empty or this is no incremental run. -#}
{% macro earliest_replace_from() -%}
    {%- if not podcast_warehouse.renders_incremental_run() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = podcast_warehouse.replace_scope_rows(
        'cast(min(replace_from) as ' ~ dbt.type_string() ~ '), count(*) - count(replace_from)')[0] -%}
    {{ return(row[0] if row[0] is not none and row[1] == 0 else none) }}
{%- endmacro %}

{#- Whether this rendering builds an incremental run against the warehouse (not a parse,
    nor a unit test, whose inputs are fixtures). -#}
{% macro renders_incremental_run() -%}
    {{ return(execute and model.resource_type != 'unit_test' and is_incremental()) }}
{%- endmacro %}

{#- Called in the model's body: compute the scope into its table (incremental runs only).
    Its keyword arguments are passed to the scope macro: the relations the scope reads, as
    the model's own ref()s, so that dbt's lineage shows every input of the scope (a ref
    inside a macro that runs only at execution is invisible to the manifest).
    With config(replace_scope_history='<date column of the scope>'), the scope's distinct
    days are also appended, stamped with the run, to <model>__scope_history: a model
    downstream finds there the days rebuilt since its own last run, including those whose
    rows were only deleted (no stamped row is left to show them). -#}
{% macro materialize_replace_scope() -%}
    {#- kwargs: the scope macro's arguments (the relations it reads) -#}
    {%- if podcast_warehouse.renders_incremental_run() -%}
        {%- set scope_macro = context[config.require('replace_scope')] -%}
        {%- do run_query('drop table if exists ' ~ replace_scope_relation()) -%}
        {%- do run_query('create table ' ~ replace_scope_relation() ~ ' as\n' ~ scope_macro(**kwargs)) -%}
        {%- do podcast_warehouse.analyze_now(replace_scope_relation()) -%}
        {%- set history_column = config.get('replace_scope_history') -%}
        {%- if history_column -%}
            {%- set history = podcast_warehouse.replace_scope_history_relation(this) -%}
            {%- set days -%}
                select distinct {{ history_column }}, {{ processed_at() }} as _processed_at
                from {{ replace_scope_relation() }}
            {%- endset -%}
            {%- do run_query('create table if not exists ' ~ history ~ ' as ' ~ days ~ ' limit 0') -%}
            {%- do run_query('insert into ' ~ history ~ ' ' ~ days) -%}
            {%- do podcast_warehouse.analyze_now(history) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The days an incremental model with replace_scope_history rebuilt after `since` (a SQL
    timestamp), as a query of one column; none when it keeps no history (never built
    incrementally: every row it has carries the stamp of the run that wrote it). -#}
{% macro days_rebuilt_since(model, day_column, since) -%}
    {%- set history = podcast_warehouse.replace_scope_history_relation(model) -%}
    {#- information_schema, not dbt's relation cache: the history may have been created
        during this invocation, by the model's own run -#}
    {%- set found = run_query("select count(*) from information_schema.tables"
        ~ " where table_schema = '" ~ history.schema ~ "'"
        ~ " and table_name = '" ~ history.identifier ~ "'").rows[0][0] -%}
    {%- if found == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return('select ' ~ day_column ~ ' from ' ~ history ~ ' where _processed_at > ' ~ since) }}
{%- endmacro %}

{#- private.<model>__scope_history. -#}
{% macro replace_scope_history_relation(model) -%}
    {{ return(api.Relation.create(database=model.database, schema=podcast_warehouse.helper_schema(),
                                  identifier=model.identifier ~ '__scope_history',
                                  type='table')) }}
{%- endmacro %}

{#- `select <expressions> from` the scope, run when the model renders: for literals the
    engine can push down to a table scan (a filter on a subquery it cannot). -#}
{% macro replace_scope_rows(expressions, where='true') -%}
    {{ return(run_query('select ' ~ expressions ~ ' from ' ~ replace_scope_relation()
                        ~ ' where ' ~ where).rows) }}
{%- endmacro %}

{#- The days the scope replaces whole (rows whose `key` is null, see replace_days_column),
    as sorted ISO dates. -#}
{% macro whole_scope_days(days_column, key) -%}
    {{ return(podcast_warehouse.replace_scope_rows('distinct ' ~ days_column, key ~ ' is null')
              | map(attribute=0) | map('string') | sort | list) }}
{%- endmacro %}

{#- `left join` of the scope's keys (those not null) on `key_column`, as scope_keys: with
    scope_keys_filter, how a model reads only its scope's rows. A join, not `in (subquery)`
    under an `or`, which Postgres runs as a subplan per row. -#}
{% macro scope_keys_join(key_column, key) -%}
    left join (
        select distinct {{ key }}
        from {{ replace_scope_relation() }}
        where {{ key }} is not null
    ) as scope_keys
        on {{ key_column }} = scope_keys.{{ key }}
{%- endmacro %}

{#- The rows of the scope (after scope_keys_join): those of a day it replaces whole, or
    whose key it names. -#}
{% macro scope_keys_filter(date_column, key, days_column) -%}
    {%- set whole_days = podcast_warehouse.whole_scope_days(days_column, key) -%}
    ({{ podcast_warehouse.days_filter(whole_days, date_column, none) if whole_days else 'false' }}
        or scope_keys.{{ key }} is not null)
{%- endmacro %}
