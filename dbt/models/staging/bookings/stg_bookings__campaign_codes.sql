with

source as (

    select * from {{ source('bookings', 'campaign_codes') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['campaign_id', 'code_type', 'code']) }} as campaign_code_id,
        campaign_id,

        ---------- strings
        lower(trim(code_type)) as code_type,
        code,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
