{#- What int_downloads_windowed rebuilds in a run (its replace_scope macro). See
    METHODOLOGY.md, "What a daily run reopens". -#}

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
    bytes changed, the table is new or the window type changed.
    `requests`: int_requests_filtered; `episodes`: int_episodes_sized. -#}
{% macro download_groups_to_rebuild(requests, episodes) -%}
    {%- set window_type = download_window_type() -%}
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
        inner join {{ episodes }} as episodes
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
