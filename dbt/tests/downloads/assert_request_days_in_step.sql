-- Request days whose raw requests differ from what int_requests_filtered counted (request
-- count or latest load time): late data that arrived after a day was closed (older than
-- var lookback_days), or days a bounded backfill has not reached yet. A warning, not an
-- error: the built numbers stand until `dbt build --full-refresh` rebuilds them.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_requests_filtered'}}}) }}

select request_date, raw_rows as raw_requests, built_rows as built_requests
from ({{ request_days_compared(ref('stg_access_logs__request_days'), ref('int_requests_filtered')) }}) as days
where is_out_of_step
