with

source as (

    select * from {{ source('engagement', 'subscriptions') }}

),

renamed as (

    select

        ----------  ids
        subscription_id,
        tenant_id,
        show_id,
        user_id,

        ---------- strings
        plan as plan_name,
        upper(trim(currency)) as currency,

        ---------- numerics
        cast(monthly_price as {{ type_double() }}) as monthly_price,

        ---------- timestamps
        cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(ended_at as {{ dbt.type_timestamp() }}) as ended_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
