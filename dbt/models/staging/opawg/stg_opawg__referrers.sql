with

source as (

    select * from {{ source('opawg', 'opawg_referrers') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['entry_index']) }} as referrer_id,

        ---------- strings
        name as referrer_name,
        category as referrer_category,
        pattern,
        pattern_portable,
        description,
        examples_json,
        lists_sha256,

        ---------- numerics
        cast(entry_index as integer) as entry_index,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
