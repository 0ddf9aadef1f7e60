with

source as (

    select * from {{ source('bookings', 'sponsors') }}

),

renamed as (

    select

        ----------  ids
        sponsor_id,
        tenant_id,

        ---------- strings
        name as sponsor_name,
        category as sponsor_category,
        brief as sponsor_brief,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
