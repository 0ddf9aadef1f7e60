-- The reconciliation accounts for every loaded request: returns a row when the totals of
-- fct_download_reconciliation_daily differ from the raw requests or the counted downloads.
-- an asset check on fct_download_reconciliation_daily in Dagster
{{ config(meta={'dagster': {'ref': {'name': 'fct_download_reconciliation_daily'}}}) }}
with

reconciled as (

    select sum(requests) as requests, sum(downloads) as downloads
    from {{ ref('fct_download_reconciliation_daily') }}

),

loaded as (

    select sum(request_count) as requests
    from {{ ref('stg_access_logs__request_days') }}

),

counted as (

    select count(*) as downloads
    from {{ ref('fct_downloads') }}

)

select
    reconciled.requests as reconciled_requests,
    loaded.requests as loaded_requests,
    reconciled.downloads as reconciled_downloads,
    counted.downloads as counted_downloads
from reconciled
cross join loaded
cross join counted
where coalesce(reconciled.requests, 0) <> coalesce(loaded.requests, 0)
    or coalesce(reconciled.downloads, 0) <> counted.downloads
