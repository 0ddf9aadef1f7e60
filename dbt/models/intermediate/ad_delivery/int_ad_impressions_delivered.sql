-- One row per delivered ad (IAB v2.3): a counted download x an ad it carried.
--   baked-in (host read): the download's covered bytes contain the ad's byte position;
--   inserted (dynamic): an ad-delivery log row of the same listener key and episode, inside
--     that download's window, whose bytes [byte_start, byte_end) all were sent.
-- An ad is delivered at most once per download; impression_date is the download's date,
-- so delivered ads and counted downloads add up day by day.
-- Incremental by download: a run rebuilds the counted windows
-- impression_windows_to_rebuild() names (rebuilt coverage, windows a changed delivery falls
-- in), on the days impression_days_to_rebuild() names, reading only those windows, their
-- coverage and the deliveries of their days' time span. Some days are rebuilt whole (a new
-- day, a backlog pass; every day when the line items or baked-in ads changed): a scope row
-- with a null download_id, read and replaced by date.
-- grain: ad_impression_id (download x ad). The listener's key, country and app are the
-- download's: join fct_downloads on download_id (kept out here: at 100M requests every
-- carried column costs gigabytes in the joins).
{%- set fingerprint = impressions_fingerprint(
    ref('int_line_items_validated'), ref('stg_ad_delivery__baked_in_ads')) %}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_scope',
    replace_scope='impression_windows_to_rebuild',
    unique_key='download_id',
    replace_days_column='impression_date',
    on_schema_change='fail',
) }}
{{ materialize_replace_scope(
    downloads=ref('int_downloads_windowed'),
    coverage=ref('int_download_coverage_merged'),
    deliveries=ref('int_inserted_ads_matched'),
    line_items=ref('int_line_items_validated'),
    baked_in_ads=ref('stg_ad_delivery__baked_in_ads'),
) }}
{%- set span = scoped_windows_span(ref('int_downloads_windowed'), 'impression_date')
    if renders_incremental_run() else none %}
{#- the download's columns every impression carries, from either kind of ad -#}
{%- set download_columns = ['tenant_id', 'show_id', 'episode_id', 'listener_ip_hash',
                            'download_date'] %}

with

downloads as (

    {%- if is_incremental() %}
    select windowed.*
    from {{ ref('int_downloads_windowed') }} as windowed
    {{ scope_keys_join('windowed.download_window_id', 'download_id') }}
    where windowed.is_counted
        and {{ days_filter(span.days, 'windowed.download_date', 'windowed.window_started_at')
               if span else 'false' }}
        and {{ scope_keys_filter('windowed.download_date', 'download_id', 'impression_date') }}
    {%- else %}
    select * from {{ ref('int_downloads_windowed') }}
    where is_counted
    {%- endif %}

),

segments as (

    {%- if is_incremental() %}
    select coverage.*
    from {{ ref('int_download_coverage_merged') }} as coverage
    {{ scope_keys_join('coverage.download_window_id', 'download_id') }}
    where {{ days_filter(span.days, 'coverage.download_date', none) if span else 'false' }}
        and {{ scope_keys_filter('coverage.download_date', 'download_id', 'impression_date') }}
    {%- else %}
    select * from {{ ref('int_download_coverage_merged') }}
    {%- endif %}

),

baked_in_ads as (

    select * from {{ ref('stg_ad_delivery__baked_in_ads') }}

),

inserted_ads as (

    select * from {{ ref('int_inserted_ads_matched') }}
    {%- if span %}
    -- a delivery of a window lies in [its first request, its last request + 24 h)
    where delivered_at >= {{ span.first }}
        and delivered_at < {{ span.last }} + {{ hours_interval(24) }}
    {%- endif %}

),

line_items as (

    select * from {{ ref('int_line_items_validated') }}

),

baked_delivered as (

    select
        downloads.download_window_id,
        baked_in_ads.baked_in_ad_id as ad_id,
        'baked' as ad_type,
        baked_in_ads.line_item_id,
        baked_in_ads.ad_position,
        baked_in_ads.byte_start,
        baked_in_ads.byte_end,
        {%- for column in download_columns %}
        downloads.{{ column }},
        {%- endfor %}
        downloads.window_started_at as delivered_at
    from downloads
    inner join baked_in_ads
        on downloads.episode_id = baked_in_ads.episode_id
    inner join segments
        on downloads.download_window_id = segments.download_window_id
        and segments.segment_start <= baked_in_ads.byte_start
        and segments.segment_end >= baked_in_ads.byte_end

),

-- the window that contains the delivery's instant, by the window type's own rule
inserted_delivered as (

    select
        downloads.download_window_id,
        inserted_ads.inserted_ad_id as ad_id,
        'dynamic' as ad_type,
        inserted_ads.line_item_id,
        inserted_ads.ad_position,
        inserted_ads.byte_start,
        inserted_ads.byte_end,
        {%- for column in download_columns %}
        downloads.{{ column }},
        {%- endfor %}
        inserted_ads.delivered_at
    from inserted_ads
    inner join downloads
        on inserted_ads.listener_key = downloads.listener_key
        and inserted_ads.episode_id = downloads.episode_id
        and inserted_ads.delivered_at >= downloads.window_started_at
        and inserted_ads.delivered_at < {{ delivery_window_end('downloads') }}
    inner join segments
        on downloads.download_window_id = segments.download_window_id
        and segments.segment_start <= inserted_ads.byte_start
        and segments.segment_end >= inserted_ads.byte_end

),

delivered as (

    select * from baked_delivered
    union all
    select * from inserted_delivered

),

final as (

    select
        {{ surrogate_key(['delivered.download_window_id', 'delivered.ad_id']) }}
            as ad_impression_id,
        delivered.tenant_id,
        line_items.sponsor_id,
        line_items.campaign_id,
        delivered.line_item_id,
        delivered.ad_id,
        delivered.ad_type,
        delivered.ad_position,
        delivered.byte_start,
        delivered.byte_end,
        delivered.show_id,
        delivered.episode_id,
        delivered.download_window_id as download_id,
        delivered.listener_ip_hash as household_ip_hash,
        delivered.delivered_at,
        delivered.download_date as impression_date,
        '{{ fingerprint }}' as _inputs_fingerprint,
        {{ processed_at() }} as _processed_at
    from delivered
    -- ads of line items whose booking has errors wait for it to be fixed
    inner join line_items
        on delivered.line_item_id = line_items.line_item_id

)

select * from final
