with

source as (

    select * from {{ source('bookings', 'line_items') }}

),

renamed as (

    select

        ----------  ids
        line_item_id,
        campaign_id,
        show_id,

        ---------- strings
        lower(trim("position")) as ad_position,
        lower(trim(ad_type)) as ad_type,

        ---------- numerics
        cast(rate as {{ type_double() }}) as rate,
        cast(booked_impressions as {{ dbt.type_bigint() }}) as booked_impressions,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
