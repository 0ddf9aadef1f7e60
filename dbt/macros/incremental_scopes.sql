{#- What the incremental download models rebuild in a run (their replace_scope macros), and
    the stamps that make it decidable. See METHODOLOGY.md, "Incremental processing". -#}

{#- The invocation's start time: stamped on every row a run writes, so a downstream model
    can tell which rows changed since its own last run. -#}
{% macro processed_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- A fingerprint of every setting the filter rules depend on: when it differs from the one
    stamped on the built rows, every day is rebuilt. -#}
{% macro counting_settings_hash() -%}
    {{- return(local_md5(tojson({
        'abusive_ip_threshold': var('abusive_ip_threshold', 1000),
        'abusive_ip_allowlist': var('abusive_ip_allowlist', []),
        'ip_salt': podcast_warehouse.ip_salt(),
        'default_tenant_id': var('default_tenant_id', 'default'),
    }))) -}}
{%- endmacro %}

{#- A condition on a request-date column: within [var request_date_from, var
    request_date_to] when set (backfilling in chunks), else true. -#}
{% macro request_date_bounds(column) -%}
    {%- set date_from = var('request_date_from', none) -%}
    {%- set date_to = var('request_date_to', none) -%}
    (true
    {%- if date_from %} and {{ column }} >= cast('{{ date_from }}' as date){% endif %}
    {%- if date_to %} and {{ column }} <= cast('{{ date_to }}' as date){% endif -%}
    )
{%- endmacro %}

{#- The days of request_days_to_rebuild() as a SQL list of date literals, for a filter the
    engine can push down to the table scan (a subquery it cannot); null when none. -#}
{% macro request_days_to_rebuild_list() -%}
    {%- if not execute -%}
        {{ return('cast(null as date)') }}
    {%- endif -%}
    {%- set days = run_query(podcast_warehouse.request_days_to_rebuild()).columns[0].values() -%}
    {%- if days | length == 0 -%}
        {{ return('cast(null as date)') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for day in days | sort -%}
        {%- do literals.append("cast('" ~ day ~ "' as date)") -%}
    {%- endfor -%}
    {{ return(literals | join(', ')) }}
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
    {%- set lookback = var('lookback_days', 3) | int -%}
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
        {%- if var('request_date_from', none) or var('request_date_to', none) %}
        -- explicit bounds (a backfill): every day in them is open
        select cast(null as date) as first_open_day
        {%- else %}
        select {{ dbt.dateadd('day', 1 - lookback, 'max(request_date)') }} as first_open_day
        from days
        where raw_requests is not null
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

{#- listener_key x episode_id groups int_downloads_windowed rebuilds: groups with a request
    stamped after the table's last run (their windows may change), groups whose windows
    touch a rebuilt day (a request may be gone) or whose episode's required bytes changed;
    every group when the table is new or was built under another window type. -#}
{% macro download_groups_to_rebuild() -%}
    {%- set window_type = download_window_type() -%}
    with

    watermark as (
        select
            max(_processed_at) as processed_at,
            max(case when window_type <> '{{ window_type }}' then 1 else 0 end) as type_changed
        from {{ this }}
    ),

    changed_requests as (
        select
            requests.listener_key,
            requests.episode_id,
            requests.request_date
        from {{ ref('int_requests_filtered') }} as requests
        cross join watermark
        where watermark.processed_at is null
            or watermark.type_changed = 1
            or requests._processed_at > watermark.processed_at
    ),

    changed_days as (
        select distinct request_date from changed_requests
    ),

    resized_episodes as (
        select distinct built.episode_id
        from {{ this }} as built
        inner join {{ ref('int_episodes_sized') }} as episodes
            on built.episode_id = episodes.episode_id
        where built.required_bytes <> episodes.required_bytes
            or (built.required_bytes is null) <> (episodes.required_bytes is null)
    ),

    stale_windows as (
        select built.listener_key, built.episode_id
        from {{ this }} as built
        inner join changed_days
            on changed_days.request_date
                between cast(built.window_started_at as date)
                and cast(built.last_request_at as date)
        union
        select built.listener_key, built.episode_id
        from {{ this }} as built
        inner join resized_episodes
            on built.episode_id = resized_episodes.episode_id
    )

    select listener_key, episode_id from changed_requests
    where episode_id is not null
    union
    select listener_key, episode_id from stale_windows
{%- endmacro %}

{#- Every request day of the raw requests or of `built` (int_requests_filtered), with both
    request counts and whether they are out of step: a different request count or latest
    load time (new, late, replaced or removed files). -#}
{% macro request_days_compared(built) -%}
    with

    source_days as (
        select
            request_date,
            request_count,
            latest_loaded_at as loaded_at
        from {{ ref('stg_access_logs__request_days') }}
    ),

    built_days as (
        select
            request_date,
            count(*) as request_count,
            max(_loaded_at) as loaded_at
        from {{ built }}
        group by request_date
    )

    select
        coalesce(source_days.request_date, built_days.request_date) as request_date,
        source_days.request_count as raw_requests,
        built_days.request_count as built_requests,
        (
            source_days.request_date is null
            or built_days.request_date is null
            or source_days.request_count <> built_days.request_count
            or source_days.loaded_at <> built_days.loaded_at
        ) as is_out_of_step
    from source_days
    full outer join built_days
        on source_days.request_date = built_days.request_date
{%- endmacro %}
