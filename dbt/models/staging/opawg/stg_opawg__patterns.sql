with

source as (

    select * from {{ source('opawg', 'opawg_patterns') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['list_name', 'entry_index']) }} as pattern_id,

        ---------- strings
        list_name,
        name as entry_name,
        pattern,
        pattern_portable,
        category,
        description,
        examples_json,
        lists_sha256,

        ---------- numerics
        cast(list_rank as integer) as list_rank,
        cast(entry_index as integer) as entry_index,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
