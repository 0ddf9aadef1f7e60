with

source as (

    select * from {{ source('engagement', 'partner_program_events') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as partner_program_event_id,
        tenant_id,
        show_id,

        ---------- strings
        lower(trim(status)) as program_status,
        upper(trim(currency)) as currency,

        ---------- numerics
        cast(amount as {{ type_double() }}) as payout_amount,

        ---------- timestamps
        cast(event_at as {{ dbt.type_timestamp() }}) as event_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
