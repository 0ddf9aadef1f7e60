-- One row per UTC day of the raw access logs: its request count and latest load time.
-- What the incremental counting compares with what it built to find changed days; read
-- straight from the source so that this costs one scan of two columns, not the hashing
-- and URL normalisation of stg_access_logs__requests.
with

source as (

    select * from {{ source('access_logs', 'access_logs') }}

),

renamed as (

    select
        cast(cast("timestamp" as {{ dbt.type_timestamp() }}) as date) as request_date,
        _loaded_at
    from source

),

final as (

    select
        request_date,
        count(*) as request_count,
        max(_loaded_at) as latest_loaded_at
    from renamed
    group by request_date

)

select * from final
