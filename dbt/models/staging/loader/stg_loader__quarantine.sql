with

source as (

    select * from {{ source('loader', 'quarantine') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['source_table', 'source_file', 'source_line', 'reason', 'quarantined_at']) }} as quarantine_id,

        ---------- strings
        source_table,
        source_file,
        reason,
        raw_record,

        ---------- numerics
        cast(source_line as {{ dbt.type_bigint() }}) as source_line,

        ---------- timestamps
        cast(quarantined_at as {{ dbt.type_timestamp() }}) as quarantined_at

    from source

)

select * from renamed
