{#- The download days a model downstream of int_downloads_windowed rebuilds. Each
    compares itself with its input, so it catches up whatever ran before it: a window type
    switch, a backfill in passes or a late file. -#}

{#- UTC download days whose counted windows changed since this mart's last run: a counted
    window changed later than the mart (_changed_at: new, or rebuilt differently), or a different number of
    counted windows than the mart holds (a window gone or no longer counted). Any change to
    a day's set of counted windows shows one or the other. Every day when the mart is new or
    `fingerprint` (of another input, e.g. the user-agent classification) differs from the
    one its rows were built with. `built_downloads`: the mart's counted windows of a day, as
    an aggregate over its rows. `downloads`: int_downloads_windowed. -#}
{% macro download_days_to_rebuild(downloads, fingerprint=none, built_downloads='sum(downloads)') -%}
    with

    watermark as (
        select
            max(_processed_at) as processed_at,
            {%- if fingerprint %}
            max(case when _inputs_fingerprint <> '{{ fingerprint }}' then 1 else 0 end)
            {%- else %}
            0
            {%- endif %} as inputs_changed
        from {{ this }}
    ),

    counted_days as (
        select
            download_date,
            count(*) as downloads,
            max(_changed_at) as changed_at
        from {{ downloads }}
        where is_counted
        group by download_date
    ),

    built_days as (
        select download_date, {{ built_downloads }} as downloads
        from {{ this }}
        group by download_date
    )

    select coalesce(counted_days.download_date, built_days.download_date) as download_date
    from counted_days
    full outer join built_days
        on counted_days.download_date = built_days.download_date
    cross join watermark
    where watermark.processed_at is null
        or watermark.inputs_changed = 1
        or counted_days.download_date is null
        or built_days.download_date is null
        or counted_days.downloads <> built_days.downloads
        or counted_days.changed_at > watermark.processed_at
{%- endmacro %}
