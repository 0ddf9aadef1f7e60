with

source as (

    select * from {{ source('engagement', 'engagement_events') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as engagement_event_id,
        tenant_id,
        show_id,
        episode_guid,
        user_id,

        ---------- strings
        lower(trim(event_type)) as event_type,

        ---------- timestamps
        cast(event_at as {{ dbt.type_timestamp() }}) as event_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
