{#- What int_ad_impressions_delivered and int_exposures_aggregated rebuild in a run (their
    replace_scope macros). See METHODOLOGY.md, "What a daily run reopens". -#}

{#- What every impression of int_ad_impressions_delivered derives from besides downloads, coverage and
    deliveries: the line items (`line_items`: int_line_items_validated; booking errors keep some out)
    and the baked-in ads (`baked_in_ads`: stg_ad_delivery__baked_in_ads). -#}
{% macro impressions_fingerprint(line_items, baked_in_ads) -%}
    {{ return(local_md5(
        relation_fingerprint(line_items, ['line_item_id', 'campaign_id', 'sponsor_id'])
        ~ '|' ~ relation_version(baked_in_ads))) }}
{%- endmacro %}

{#- What int_ad_impressions_delivered (this) holds, read once per run: `since`, its last run as a SQL
    timestamp (none: the mart is new), and `rebuild_all`, whether every day must be rebuilt
    (the mart is new or `fingerprint`, impressions_fingerprint(), changed). -#}
{% macro impressions_built(fingerprint) -%}
    {%- set row = run_query(
        "select max(_processed_at), max(case when _inputs_fingerprint <> '"
        ~ fingerprint ~ "' then 1 else 0 end) from " ~ this).rows[0] -%}
    {{ return({
        'since': "cast('" ~ row[0] ~ "' as " ~ dbt.type_timestamp() ~ ")"
                 if row[0] is not none else none,
        'rebuild_all': row[0] is none or row[1] == 1,
    }) }}
{%- endmacro %}

{#- Download days int_ad_impressions_delivered rebuilds (impression_date is the download's day), given
    impressions_built() and the changed delivery days (changed_delivery_days(), ISO dates):
    - days whose coverage runs were rebuilt since the mart's last run (stamped rows, and
      the coverage's scope history: windows only deleted), and built days that no longer
      have any (every counted download of the day gone);
    - days of counted windows a delivery rebuilt since then, or a delivery day gone, can fall
      in (by the window type's rule, delivery_window_end: a first-touch window reaches the
      day after its start at most);
    - every day when `built.rebuild_all`.
    `downloads`: int_downloads_windowed; `coverage`: int_download_coverage_merged. -#}
{% macro impression_days_to_rebuild(built, delivery_days, downloads, coverage) -%}
    {%- set coverage_history = podcast_warehouse.days_rebuilt_since(
        coverage, 'download_date', built.since)
        if built.since else none -%}
    with

    coverage_days as (
        select download_date, max(_processed_at) as processed_at
        from {{ coverage }}
        group by download_date
    ),

    built_days as (
        select distinct impression_date as download_date
        from {{ this }}
    ),

    changed_delivery_days as (
        {{ date_rows(delivery_days, 'delivered_date') }}
    ),

    delivery_reached_days as (
        select distinct downloads.download_date
        from {{ downloads }} as downloads
        inner join changed_delivery_days
            on changed_delivery_days.delivered_date
                between cast(downloads.window_started_at as date)
                and cast({{ delivery_window_end('downloads') }} as date)
        where downloads.is_counted
    )

    select coalesce(coverage_days.download_date, built_days.download_date) as impression_date
    from coverage_days
    full outer join built_days
        on coverage_days.download_date = built_days.download_date
    where {{ 'true' if built.rebuild_all else 'false' }}
        or coverage_days.download_date is null
        {%- if built.since %}
        or coverage_days.processed_at > {{ built.since }}
        {%- endif %}
    union
    select download_date as impression_date from delivery_reached_days
    {%- if coverage_history %}
    -- days whose coverage lost windows (deleted rows leave no stamp behind)
    union
    select download_date as impression_date from ({{ coverage_history }}) as coverage_rebuilt
    {%- endif %}
{%- endmacro %}

{#- Delivery days whose deliveries int_inserted_ads_matched rebuilt after `since` (a SQL
    timestamp; none: no such days), and the delivery days int_ad_impressions_delivered (this) has dynamic
    impressions of that the deliveries no longer have (their files replaced by empty or
    unreadable ones): no rebuilt delivery row points at those. `deliveries`:
    int_inserted_ads_matched. -#}
{% macro changed_delivery_days(since, deliveries) -%}
    select delivered_date
    from {{ deliveries }}
    where {{ '_processed_at > ' ~ since if since else 'false' }}
    union
    select delivered_date
    from (
        select cast(delivered_at as date) as delivered_date
        from {{ this }}
        where ad_type = 'dynamic'
        except
        select delivered_date
        from {{ deliveries }}
    ) as gone_delivery_days
{%- endmacro %}

{#- The counted windows int_ad_impressions_delivered rebuilds (download_id, with its impression_date),
    on the days impression_days_to_rebuild() names. A row with a null download_id stands for
    its whole day (see replace_scope's replace_days_column): every day when
    impressions_built().rebuild_all, the days whose own deliveries changed (a new day), and
    the days where more than half of the counted windows would be rebuilt anyway (a backlog
    pass). The other days list their windows: those whose coverage was rebuilt since the
    mart's last run, those a delivery of a changed delivery day falls in (by the window
    type's rule), and built windows with no coverage any more (only deleted) or with an
    inserted ad of a changed delivery day. A late file for a day reopens the windows it can
    reach, not the day's millions of others. The relations: `downloads`
    int_downloads_windowed, `coverage` int_download_coverage_merged, `deliveries`
    int_inserted_ads_matched, and impressions_fingerprint()'s `line_items` and `baked_in_ads`. -#}
{% macro impression_windows_to_rebuild(downloads, coverage, deliveries, line_items, baked_in_ads) -%}
    {%- set built = impressions_built(impressions_fingerprint(line_items, baked_in_ads)) -%}
    {#- read once: they decide the days to rebuild, which of them are whole, and the
        windows their deliveries fall in -#}
    {%- set delivery_days = run_query(changed_delivery_days(built.since, deliveries)).columns[0].values()
                            | map('string') | sort | list -%}
    {%- set days = run_query(impression_days_to_rebuild(built, delivery_days, downloads, coverage)).columns[0].values()
                   | map('string') | sort | list -%}
    {%- set whole_days = days if built.rebuild_all
                         else days | select('in', delivery_days) | list -%}
    {%- set partial_days = days | reject('in', whole_days) | list -%}
    with

    whole_days as (
        {{ date_rows(whole_days, 'impression_date') }}
    ),

    {%- if partial_days %}

    counted as (
        select download_window_id, download_date, listener_key, episode_id,
            window_started_at, last_request_at
        from {{ downloads }}
        where is_counted
            and {{ days_filter(partial_days, 'download_date', 'window_started_at') }}
    ),

    built as (
        select distinct download_id, impression_date
        from {{ this }}
        where {{ days_filter(partial_days, 'impression_date', none) }}
    ),

    rebuilt_coverage as (
        select distinct download_window_id, download_date
        from {{ coverage }}
        where _processed_at > {{ built.since }}
            and {{ days_filter(partial_days, 'download_date', none) }}
    ),

    covered as (
        select distinct download_window_id
        from {{ coverage }}
        where {{ days_filter(partial_days, 'download_date', none) }}
    ),

    delivered_windows as (
        select distinct counted.download_window_id, counted.download_date
        from {{ deliveries }} as deliveries
        inner join counted
            on deliveries.listener_key = counted.listener_key
            and deliveries.episode_id = counted.episode_id
            and deliveries.delivered_at >= counted.window_started_at
            and deliveries.delivered_at < {{ delivery_window_end('counted') }}
        where {{ days_filter(delivery_days, 'deliveries.delivered_date', none) }}
    ),

    -- built windows whose coverage is gone, or with an inserted ad of a changed day (it may
    -- be gone too)
    stale_built as (
        select built.download_id, built.impression_date
        from built
        left join covered
            on built.download_id = covered.download_window_id
        where covered.download_window_id is null
        union
        select distinct download_id, impression_date
        from {{ this }}
        where ad_type = 'dynamic'
            and {{ days_filter(partial_days, 'impression_date', none) }}
            and {{ days_filter(delivery_days, 'cast(delivered_at as date)', none) }}
    ),

    windows as (
        select download_window_id as download_id, download_date as impression_date
        from rebuilt_coverage
        union
        select download_window_id, download_date from delivered_windows
        union
        select download_id, impression_date from stale_built
    ),

    -- days where most counted windows are rebuilt anyway: read whole, not key by key
    mostly_rebuilt_days as (
        select rebuilt.impression_date
        from (
            select impression_date, count(*) as windows
            from windows
            group by impression_date
        ) as rebuilt
        inner join (
            select download_date, count(*) as windows
            from counted
            group by download_date
        ) as day_counted
            on rebuilt.impression_date = day_counted.download_date
        where 2 * rebuilt.windows > day_counted.windows
    ),
    {%- endif %}

    all_whole_days as (
        select impression_date from whole_days
        {%- if partial_days %}
        union
        select impression_date from mostly_rebuilt_days
        {%- endif %}
    )

    select cast(null as {{ dbt.type_string() }}) as download_id, impression_date
    from all_whole_days
    {%- if partial_days %}
    union all
    select windows.download_id, windows.impression_date
    from windows
    left join all_whole_days
        on windows.impression_date = all_whole_days.impression_date
    where all_whole_days.impression_date is null
    {%- endif %}
{%- endmacro %}

{#- Impression days int_exposures_aggregated rebuilds: every day of int_ad_impressions_delivered or of
    the summary whose impression count or latest stamp differ (a day the mart rebuilt,
    added or emptied since the summary's run). Two columns of the mart are scanned.
    `impressions`: int_ad_impressions_delivered. -#}
{% macro exposure_days_to_rebuild(impressions) -%}
    with

    impression_days as (
        select impression_date, count(*) as impressions, max(_processed_at) as processed_at
        from {{ impressions }}
        group by impression_date
    ),

    built_days as (
        select
            impression_date,
            sum(impressions) as impressions,
            max(_impressions_processed_at) as processed_at
        from {{ this }}
        group by impression_date
    )

    select coalesce(impression_days.impression_date, built_days.impression_date)
        as impression_date
    from impression_days
    full outer join built_days
        on impression_days.impression_date = built_days.impression_date
    where impression_days.impression_date is null
        or built_days.impression_date is null
        or impression_days.impressions <> built_days.impressions
        or impression_days.processed_at <> built_days.processed_at
{%- endmacro %}
