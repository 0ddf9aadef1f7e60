-- The reconciliation accounts for every loaded request and every tenant's downloads:
-- returns a row when the totals of fct_download_reconciliation_daily differ from the raw
-- requests, or a tenant's reconciled downloads from its counted downloads.
-- an asset check on fct_download_reconciliation_daily in Dagster
{{ config(meta={'dagster': {'ref': {'name': 'fct_download_reconciliation_daily'}}}) }}
with

reconciliation as (

    select * from {{ ref('fct_download_reconciliation_daily') }}

),

reconciled as (

    select sum(requests) as requests
    from reconciliation

),

loaded as (

    select sum(request_count) as requests
    from {{ ref('stg_access_logs__request_days') }}

),

reconciled_by_tenant as (

    select tenant_id, sum(downloads) as downloads
    from reconciliation
    group by tenant_id

),

counted_by_tenant as (

    select tenant_id, count(*) as downloads
    from {{ ref('fct_downloads') }}
    group by tenant_id

),

request_mismatch as (

    select
        'all tenants: requests' as what,
        reconciled.requests as reconciled,
        loaded.requests as expected
    from reconciled
    cross join loaded
    where coalesce(reconciled.requests, 0) <> coalesce(loaded.requests, 0)

),

download_mismatch as (

    select
        'tenant ' || coalesce(reconciled_by_tenant.tenant_id, counted_by_tenant.tenant_id)
            || ': downloads' as what,
        reconciled_by_tenant.downloads as reconciled,
        counted_by_tenant.downloads as expected
    from reconciled_by_tenant
    full outer join counted_by_tenant
        -- a hashable condition (Postgres runs no full join on `is not distinct from`);
        -- tenant ids are never empty ('default' stands for none)
        on coalesce(reconciled_by_tenant.tenant_id, '') = coalesce(counted_by_tenant.tenant_id, '')
    where coalesce(reconciled_by_tenant.downloads, 0)
        <> coalesce(counted_by_tenant.downloads, 0)

),

final as (

    select * from request_mismatch
    union all
    select * from download_mismatch

)

select * from final
