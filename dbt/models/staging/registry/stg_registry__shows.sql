with

source as (

    select * from {{ source('registry', 'shows') }}

),

renamed as (

    select

        ----------  ids
        show_id,
        tenant_id,

        ---------- strings
        title,
        feed_url,
        hosting_provider,
        nullif(trim(hosting_show_id), '') as hosting_show_id,

        ---------- numerics
        cast(header_bytes as {{ dbt.type_bigint() }}) as header_bytes,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
