-- One row per UTC day of the raw ad-delivery logs: its delivery count and latest load time.
-- What the incremental matching (int_inserted_ads_matched) compares with what it built to
-- find changed days; read straight from the source, one scan of two columns.
with

source as (

    select * from {{ source('ad_delivery', 'ad_deliveries') }}

),

renamed as (

    select
        cast(cast("timestamp" as {{ dbt.type_timestamp() }}) as date) as delivered_date,
        _loaded_at
    from source

),

final as (

    select
        delivered_date,
        count(*) as delivery_count,
        max(_loaded_at) as latest_loaded_at
    from renamed
    group by delivered_date

)

select * from final
