with

source as (

    select * from {{ source('conversions', 'survey_answers') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as survey_answer_id,
        order_id,
        sponsor_id,

        ---------- strings
        question,
        answer,

        ---------- timestamps
        cast(answered_at as {{ dbt.type_timestamp() }}) as answered_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
