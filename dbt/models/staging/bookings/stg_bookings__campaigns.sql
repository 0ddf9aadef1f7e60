with

source as (

    select * from {{ source('bookings', 'campaigns') }}

),

renamed as (

    select

        ----------  ids
        campaign_id,
        tenant_id,
        sponsor_id,

        ---------- strings
        name as campaign_name,
        upper(trim(currency)) as currency,
        lower(trim(pricing_model)) as pricing_model,

        ---------- numerics
        cast(budget as {{ type_double() }}) as budget_amount,
        cast(booked_impressions as {{ dbt.type_bigint() }}) as booked_impressions,
        cast(cpa_rate as {{ type_double() }}) as cpa_rate,
        cast(attribution_window_days as integer) as attribution_window_days,

        ---------- dates
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
