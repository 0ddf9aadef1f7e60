-- One row per sponsor (advertiser).
with

sponsors as (

    select * from {{ ref('stg_bookings__sponsors') }}

),

final as (

    select
        sponsor_id,
        coalesce(nullif(tenant_id, ''), '{{ var("default_tenant_id") }}') as tenant_id,
        sponsor_name,
        sponsor_category,
        sponsor_brief
    from sponsors

)

select * from final
