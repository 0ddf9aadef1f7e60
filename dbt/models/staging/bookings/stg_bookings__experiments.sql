with

source as (

    select * from {{ source('bookings', 'experiments') }}

),

renamed as (

    select

        ----------  ids
        experiment_id,
        variant_id,
        tenant_id,
        campaign_id,
        creative_id,

        ---------- strings
        lower(trim(test_type)) as test_type,
        offer,
        nullif(trim(promo_code), '') as promo_code,
        lower(trim(primary_metric)) as primary_metric,

        ---------- numerics
        cast(allocation_share as {{ type_double() }}) as allocation_share,
        cast(minimum_detectable_effect as {{ type_double() }}) as minimum_detectable_effect,
        cast(planned_units_per_variant as {{ dbt.type_bigint() }}) as planned_units_per_variant,
        cast(planned_looks as integer) as planned_looks,

        ---------- booleans
        {{ try_cast_boolean('is_control') }} as is_control,

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
