with

source as (

    select * from {{ source('rss', 'rss_transcripts') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['show_id', 'transcript_url']) }} as transcript_fetch_id,
        {{ episode_key('show_id', 'episode_identity') }} as episode_id,
        show_id,

        ---------- strings
        transcript_url,
        resolved_url,
        content_sha256,
        case when trim(transcript_text) = '' then null else transcript_text end
            as transcript_text,
        error as fetch_error,

        ---------- numerics
        cast(http_status as integer) as http_status,

        ---------- timestamps
        cast(fetched_at as {{ dbt.type_timestamp() }}) as fetched_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
