{#- What the incremental download models rebuild in a run (their replace_scope macros), and
    the stamps that make it decidable. See METHODOLOGY.md, "Incremental processing". -#}

{#- The invocation's start time: stamped on every row a run writes, so a downstream model
    can tell which rows changed since its own last run. -#}
{% macro processed_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- A fingerprint of every setting the filter rules depend on: when it differs from the one
    stamped on the built rows, every day is rebuilt. It includes the SQL that turns an IP into
    its hashes (which carries the salt) and the unit the abusive-IP rule counts, so a change
    to either recounts what was counted the old way. -#}
{% macro counting_settings_hash() -%}
    {{- return(local_md5(tojson({
        'abusive_ip_threshold': var('abusive_ip_threshold'),
        'abusive_ip_allowlist': var('abusive_ip_allowlist'),
        'abusive_ip_unit': 'IPv4 address, IPv6 /64',
        'ip_salt': podcast_warehouse.ip_salt(),
        'ip_hashing': local_md5(podcast_warehouse.hash_ip(podcast_warehouse.ip_canonical('ip'))
                                ~ podcast_warehouse.hash_ip(podcast_warehouse.ip_listener_prefix('ip'))),
        'default_tenant_id': var('default_tenant_id'),
    }))) -}}
{%- endmacro %}

{#- A condition on a request's day and time: its day within [var request_date_from, var
    request_date_to] when set (backfilling in chunks), else true. The same bounds on the
    timestamp let the engine skip the row groups of other days (zone maps) instead of
    casting every timestamp to a date. -#}
{% macro request_date_bounds(date_column, time_column=none) -%}
    {%- set date_from = var('request_date_from') -%}
    {%- set date_to = var('request_date_to') -%}
    (true
    {%- if date_from %} and {{ date_column }} >= cast('{{ date_from }}' as date){% endif %}
    {%- if date_to %} and {{ date_column }} <= cast('{{ date_to }}' as date){% endif %}
    {%- if time_column %}{{ podcast_warehouse._request_time_bounds(time_column, date_from, date_to) }}{% endif -%}
    )
{%- endmacro %}

{#- ` and <time_column> >= <first day> and < the day after <last day>` (either may be none). -#}
{% macro _request_time_bounds(time_column, first_day, last_day) -%}
    {%- if first_day %} and {{ time_column }} >= cast('{{ first_day }}' as {{ dbt.type_timestamp() }}){% endif %}
    {%- if last_day -%}
        {%- set after = modules.datetime.date.fromisoformat(last_day | string) + modules.datetime.timedelta(days=1) %}
        and {{ time_column }} < cast('{{ after.isoformat() }}' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- A condition selecting the days of this run's scope (the `scope_column` of the scope
    table, e.g. request_days_to_rebuild()'s request_date): a list of date literals on
    date_column and the time range they span on time_column, both of which the engine can
    push down to the table scan (a subquery it cannot); false when there are none. -#}
{% macro scope_days_filter(scope_column, date_column, time_column) -%}
    {%- if not podcast_warehouse.renders_incremental_run() -%}
        {{ return('false') }}
    {%- endif -%}
    {{ return(podcast_warehouse.days_filter(podcast_warehouse.scope_days(scope_column),
                                            date_column, time_column)) }}
{%- endmacro %}

{#- The distinct days of the scope table's `scope_column`, as sorted ISO dates. -#}
{% macro scope_days(scope_column) -%}
    {{ return(podcast_warehouse.replace_scope_rows('distinct ' ~ scope_column)
              | map(attribute=0) | map('string') | sort | list) }}
{%- endmacro %}

{#- `date_column` in `days` (ISO dates, sorted) and, when given, `time_column` within the
    days they span, as literals; false when there are none. -#}
{% macro days_filter(days, date_column, time_column) -%}
    {%- if days | length == 0 -%}
        {{ return('false') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for day in days -%}
        {%- do literals.append("cast('" ~ day ~ "' as date)") -%}
    {%- endfor -%}
    {%- set time_bounds = podcast_warehouse._request_time_bounds(time_column, days[0], days[-1])
                          if time_column else '' -%}
    {{ return('(' ~ date_column ~ ' in (' ~ literals | join(', ') ~ ')' ~ time_bounds ~ ')') }}
{%- endmacro %}

{#- `days` (ISO dates) as a query of one date column named `column`, one row per day; no
    rows when there are none. -#}
{% macro date_rows(days, column) -%}
    {%- set rows = [] -%}
    {%- for day in days -%}
        {%- do rows.append("select cast('" ~ day ~ "' as date) as " ~ column) -%}
    {%- endfor -%}
    {{ return(rows | join(' union all ') if rows
              else 'select cast(null as date) as ' ~ column ~ ' where false') }}
{%- endmacro %}

{#- UTC request days an incremental run of int_requests_filtered rebuilds (one column,
    request_date), within request_date_bounds (which, when set, open every day in them):
    - every day when the counting settings changed;
    - within var lookback_days of the newest request day: days whose raw requests changed
      (row count or latest load time differ: new, late, replaced or removed files) and
      days with unmatched requests whose URL now matches an episode (a feed polled late).
    Older changed days are left as built and reported by the test
    assert_request_days_in_step (closing the books on billed periods). -#}
{% macro request_days_to_rebuild() -%}
    {%- set lookback = var('lookback_days') | int -%}
    with

    days as (
        {{ podcast_warehouse.request_days_compared(this) }}
    ),

    settings as (
        select count(*) as stale_rows
        from {{ this }}
        where counting_settings_hash <> '{{ counting_settings_hash() }}'
    ),

    horizon as (
        {%- if var('request_date_from') or var('request_date_to') %}
        -- explicit bounds (a backfill): every day in them is open
        select cast(null as date) as first_open_day
        {%- else %}
        select {{ dbt.dateadd('day', 1 - lookback, 'max(request_date)') }} as first_open_day
        from days
        where raw_rows is not null
        {%- endif %}
    ),

    rematched_days as (
        select distinct built.request_date
        from {{ this }} as built
        inner join {{ ref('int_episode_urls_ranked') }} as episode_urls
            on built.url_normalized = episode_urls.enclosure_url_normalized
        where built.exclusion_reason = 'unmatched_url'
    ),

    to_rebuild as (
        select days.request_date
        from days
        cross join horizon
        cross join settings
        where settings.stale_rows > 0
            or (days.is_out_of_step and days.request_date >= coalesce(horizon.first_open_day, days.request_date))
        union
        select rematched_days.request_date
        from rematched_days
        cross join horizon
        where rematched_days.request_date >= coalesce(horizon.first_open_day, rematched_days.request_date)
    )

    select request_date
    from to_rebuild
    where {{ podcast_warehouse.request_date_bounds('request_date') }}
{%- endmacro %}

{#- The listener_key x episode_id groups int_downloads_windowed rebuilds, each with
    replace_from: the time from which its windows are recomputed (null: all of them).

    Groups: those with a request stamped after the table's last run (their windows may
    change), those whose windows touch a rebuilt day (a request may be gone) or an emptied
    one (emptied_request_days: every request gone, so no rebuilt request points at it), or
    whose episode's required bytes changed; every group when the table is new or was built
    under another window type.

    replace_from: requests before the first rebuilt day are as they were, so the windows
    they decided stay as they are, except those still open at that day (a later request may
    join them). A group is recomputed from its first window open then, or from the first
    rebuilt day when none is: either way from a request that opens a window under every
    window type, so the windows before it stand. Null (the whole group) when the required
    bytes changed, the table is new or the window type changed. -#}
{% macro download_groups_to_rebuild() -%}
    {%- set window_type = download_window_type() -%}
    {%- set requests = ref('int_requests_filtered') -%}
    {#- literals, rendered now, that the scans can use to skip row groups -#}
    {%- set built = run_query(
        "select max(_processed_at), max(case when window_type <> '" ~ window_type
        ~ "' then 1 else 0 end) from " ~ this).rows[0] -%}
    {%- if built[0] is none or built[1] == 1 %}
    -- the table is new or was built under another window type: every group, whole
    select distinct
        listener_key,
        episode_id,
        cast(null as {{ dbt.type_timestamp() }}) as replace_from
    from {{ requests }}
    where episode_id is not null
    {%- else %}
    {%- set since = "cast('" ~ built[0] ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- set first_changed = run_query(
        "select cast(min(request_date) as " ~ dbt.type_string() ~ ") from " ~ requests
        ~ " where _processed_at > " ~ since).rows[0][0] -%}
    {%- set emptied = podcast_warehouse.emptied_request_days(requests) -%}
    {%- set first_days = ([first_changed] if first_changed is not none else []) + emptied -%}
    {%- set first_day = first_days | min if first_days else none -%}
    {%- set changed_from = "cast('" ~ first_day ~ "' as " ~ dbt.type_timestamp() ~ ")"
        if first_day is not none else "cast(null as " ~ dbt.type_timestamp() ~ ")" %}
    with

    changed_requests as (
        select listener_key, episode_id, request_date
        from {{ requests }}
        where _processed_at > {{ since }}
    ),

    changed_days as (
        select distinct request_date from changed_requests
        {%- for day in emptied %}
        union
        select cast('{{ day }}' as date)
        {%- endfor %}
    ),

    resized_episodes as (
        select distinct built.episode_id
        from {{ this }} as built
        inner join {{ ref('int_episodes_sized') }} as episodes
            on built.episode_id = episodes.episode_id
        where built.required_bytes is distinct from episodes.required_bytes
    ),

    -- the built windows that can touch, or still be open at, the first rebuilt day
    reaching_windows as (
        select listener_key, episode_id, window_started_at, last_request_at, download_date
        from {{ this }}
        where last_request_at >= {{ changed_from }} - {{ hours_interval(24) }}
    ),

    stale_windows as (
        select built.listener_key, built.episode_id
        from reaching_windows as built
        inner join changed_days
            on changed_days.request_date
                between cast(built.window_started_at as date)
                and cast(built.last_request_at as date)
        union
        select built.listener_key, built.episode_id
        from {{ this }} as built
        inner join resized_episodes
            on built.episode_id = resized_episodes.episode_id
    ),

    groups as (
        select listener_key, episode_id from changed_requests
        where episode_id is not null
        union
        select listener_key, episode_id from stale_windows
    ),

    -- each group's first window still open at the first rebuilt day
    open_windows as (
        select
            built.listener_key,
            built.episode_id,
            min(built.window_started_at) as first_open_at
        from reaching_windows as built
        inner join groups
            on built.listener_key = groups.listener_key
            and built.episode_id = groups.episode_id
        where {{ _window_open_at('built', changed_from, window_type) }}
        group by built.listener_key, built.episode_id
    )

    select
        groups.listener_key,
        groups.episode_id,
        case
            when resized_episodes.episode_id is not null then null
            when open_windows.first_open_at < {{ changed_from }} then open_windows.first_open_at
            else {{ changed_from }}
        end as replace_from
    from groups
    left join open_windows
        on groups.listener_key = open_windows.listener_key
        and groups.episode_id = open_windows.episode_id
    left join resized_episodes
        on groups.episode_id = resized_episodes.episode_id
    {%- endif %}
{%- endmacro %}

{#- The request days (ISO text) that built windows of int_downloads_windowed (this) touch
    but no request of `requests` (int_requests_filtered) falls on any more: days whose files
    were all replaced by empty or unreadable ones. A built window covers every UTC day from
    its first request's to its last's (within a window no two requests are a day apart), so
    a day between the two is touched too. The days without requests are found in Jinja from
    the distinct request days (a scan of one column); only those are checked against the
    windows, and a history without gaps has none. -#}
{% macro emptied_request_days(requests) -%}
    {%- set text = dbt.type_string() -%}
    {%- set bounds = run_query(
        "select cast(min(cast(window_started_at as date)) as " ~ text ~ "),"
        ~ " cast(max(cast(last_request_at as date)) as " ~ text ~ ") from " ~ this).rows[0] -%}
    {%- if bounds[0] is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set present = run_query(
        "select distinct cast(request_date as " ~ text ~ ") from " ~ requests
        ~ " where request_date between cast('" ~ bounds[0] ~ "' as date)"
        ~ " and cast('" ~ bounds[1] ~ "' as date)").columns[0].values() -%}
    {%- set first = modules.datetime.date.fromisoformat(bounds[0]) -%}
    {%- set span = (modules.datetime.date.fromisoformat(bounds[1]) - first).days -%}
    {%- set missing = [] -%}
    {%- for offset in range(span + 1) -%}
        {%- set day = (first + modules.datetime.timedelta(days=offset)).isoformat() -%}
        {%- if day not in present -%}
            {%- do missing.append(day) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not missing -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set touched = run_query(
        "select cast(candidates.request_date as " ~ text ~ ") from ("
        ~ podcast_warehouse.date_rows(missing, 'request_date') ~ ") as candidates"
        ~ " where exists (select 1 from " ~ this ~ " as built"
        ~ " where cast(built.window_started_at as date) <= candidates.request_date"
        ~ " and cast(built.last_request_at as date) >= candidates.request_date)"
        ~ " order by 1") -%}
    {{ return(touched.columns[0].values() | list) }}
{%- endmacro %}

{#- The UTC day of the earliest replace_from in int_downloads_windowed's scope, as text; none
    when a group is recomputed whole (or outside an incremental run). -#}
{% macro replace_from_first_day() -%}
    {%- set earliest = podcast_warehouse.earliest_replace_from() -%}
    {{ return(earliest[:10] if earliest else none) }}
{%- endmacro %}

{#- Whether a built window is still open at `moment` (a later request could join it):
    first-touch windows last 24 h from their first request, last-touch windows 24 h from
    their last, calendar windows to the end of their UTC day. -#}
{% macro _window_open_at(built, moment, window_type) -%}
    {%- if window_type == 'first_touch' -%}
        {{ built }}.window_started_at + {{ hours_interval(24) }} > {{ moment }}
    {%- elif window_type == 'last_touch' -%}
        {{ built }}.last_request_at + {{ hours_interval(24) }} > {{ moment }}
    {%- else -%}
        {{ built }}.download_date >= cast({{ moment }} as date)
    {%- endif -%}
{%- endmacro %}

{#- Every request day of the raw requests or of `built` (int_requests_filtered), with both
    request counts and whether they are out of step (see days_compared). -#}
{% macro request_days_compared(built) -%}
    {{ podcast_warehouse.days_compared(ref('stg_access_logs__request_days'), built,
                                       'request_date', 'request_count') }}
{%- endmacro %}

{#- Every day of a raw source's day summary `source_days` (day_column, count_column,
    latest_loaded_at) or of `built` (a model keeping the raw rows' day_column and
    _loaded_at), with both row counts (raw_rows, built_rows) and whether they are out of
    step: a different row count or latest load time (new, late, replaced or removed
    files). -#}
{% macro days_compared(source_days, built, day_column, count_column) -%}
    with

    source_days as (
        select
            {{ day_column }},
            {{ count_column }} as row_count,
            latest_loaded_at as loaded_at
        from {{ source_days }}
    ),

    built_days as (
        select
            {{ day_column }},
            count(*) as row_count,
            max(_loaded_at) as loaded_at
        from {{ built }}
        group by {{ day_column }}
    )

    select
        coalesce(source_days.{{ day_column }}, built_days.{{ day_column }}) as {{ day_column }},
        source_days.row_count as raw_rows,
        built_days.row_count as built_rows,
        (
            source_days.{{ day_column }} is null
            or built_days.{{ day_column }} is null
            or source_days.row_count <> built_days.row_count
            or source_days.loaded_at <> built_days.loaded_at
        ) as is_out_of_step
    from source_days
    full outer join built_days
        on source_days.{{ day_column }} = built_days.{{ day_column }}
{%- endmacro %}
