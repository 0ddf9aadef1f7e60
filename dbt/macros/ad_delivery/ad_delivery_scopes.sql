{#- What the incremental ad-delivery intermediates rebuild in a run (their replace_scope
    macros). See METHODOLOGY.md, "What a daily run reopens". -#}

{#- UTC delivery days int_inserted_ads_matched rebuilds: days whose raw deliveries changed
    (row count or latest load time differ: new, late, replaced or removed files), days
    with unmatched deliveries whose URL now matches an episode (a feed polled late), and
    every day when the salt changed (the listener keys). `delivery_days`:
    stg_ad_delivery__delivery_days; `episode_urls`: int_episode_urls_ranked. -#}
{% macro delivery_days_to_rebuild(delivery_days, episode_urls) -%}
    with

    days as (
        {{ podcast_warehouse.days_compared(delivery_days, this,
                                           'delivered_date', 'delivery_count') }}
    ),

    settings as (
        select count(*) as stale_rows
        from {{ this }}
        where _inputs_fingerprint <> '{{ ip_lookup_fingerprint() }}'
    ),

    rematched_days as (
        select distinct built.delivered_date
        from {{ this }} as built
        inner join {{ episode_urls }} as episode_urls
            on built.url_normalized = episode_urls.enclosure_url_normalized
        where built.episode_id is null
    )

    select days.delivered_date
    from days
    cross join settings
    where settings.stale_rows > 0 or days.is_out_of_step
    union
    select delivered_date from rematched_days
{%- endmacro %}

{#- Download days int_download_coverage_merged rebuilds: days whose counted windows changed
    (download_days_to_rebuild), and the days of the built downloads of an episode whose
    file size (a suffix range's start) is no longer the one they were merged with. An
    episode seen for the first time has no built downloads: its size, learnt from the
    requests of rebuilt days, reopens no other day. `downloads`: int_downloads_windowed;
    `episodes`: int_episodes_sized. -#}
{% macro coverage_days_to_rebuild(downloads, episodes) -%}
    {#- a download's runs are numbered from 1: counting first runs counts the downloads
        without a distinct over every run's id -#}
    {{ download_days_to_rebuild(downloads, built_downloads='sum(case when segment_seq = 1 then 1 else 0 end)') }}
    union
    select built.download_date
    from (
        select download_date, episode_id, file_size_bytes
        from {{ this }}
        group by download_date, episode_id, file_size_bytes
    ) as built
    inner join {{ episodes }} as episodes
        on built.episode_id = episodes.episode_id
    where built.file_size_bytes is distinct from episodes.file_size_bytes
{%- endmacro %}

{#- The counted windows int_download_coverage_merged rebuilds (download_window_id, with its
    download_date), on the days coverage_days_to_rebuild() names, rendered as literals: a
    counted window changed since the table's last run (_changed_at) or without coverage,
    a built window no longer counted (only deleted), and every window of an episode whose
    file size changed. A day's other windows keep their coverage: a late file for a day
    reopens the windows it changes, not the day's millions of others. `downloads`:
    int_downloads_windowed; `episodes`: int_episodes_sized. -#}
{% macro coverage_windows_to_rebuild(downloads, episodes) -%}
    {%- set days = run_query(coverage_days_to_rebuild(downloads, episodes)).columns[0].values()
                   | map('string') | sort | list -%}
    {%- set since = run_query('select max(_processed_at) from ' ~ this).rows[0][0] -%}
    with

    resized_episodes as (
        select distinct built.episode_id
        from {{ this }} as built
        inner join {{ episodes }} as episodes
            on built.episode_id = episodes.episode_id
        where {{ days_filter(days, 'built.download_date', none) }}
            and built.file_size_bytes is distinct from episodes.file_size_bytes
    ),

    counted as (
        select download_window_id, download_date, episode_id, _changed_at
        from {{ downloads }}
        where is_counted
            and {{ days_filter(days, 'download_date', 'window_started_at') }}
    ),

    built as (
        select download_window_id, download_date
        from {{ this }}
        where segment_seq = 1
            and {{ days_filter(days, 'download_date', none) }}
    )

    select
        coalesce(counted.download_window_id, built.download_window_id) as download_window_id,
        coalesce(counted.download_date, built.download_date) as download_date
    from counted
    full outer join built
        on counted.download_window_id = built.download_window_id
    left join resized_episodes
        on counted.episode_id = resized_episodes.episode_id
    where counted.download_window_id is null
        or built.download_window_id is null
        or resized_episodes.episode_id is not null
        {%- if since is not none %}
        or counted._changed_at > cast('{{ since }}' as {{ dbt.type_timestamp() }})
        {%- endif %}
{%- endmacro %}

{#- The download days of this run's scope (the scope table's `scope_column`) and the time
    span [first request, last request] of their counted windows, as literals a scan can skip
    row groups with; none when there are no such windows. `downloads`: int_downloads_windowed. -#}
{% macro scoped_windows_span(downloads, scope_column='download_date') -%}
    {%- set days = podcast_warehouse.scope_days(scope_column) -%}
    {%- if days | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = run_query(
        "select min(window_started_at), max(last_request_at) from "
        ~ downloads ~ " where is_counted and "
        ~ podcast_warehouse.days_filter(days, 'download_date', 'window_started_at')).rows[0] -%}
    {%- if row[0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return({'days': days,
               'first': "cast('" ~ row[0] ~ "' as " ~ dbt.type_timestamp() ~ ")",
               'last': "cast('" ~ row[1] ~ "' as " ~ dbt.type_timestamp() ~ ")"}) }}
{%- endmacro %}
