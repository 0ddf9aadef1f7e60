with

source as (

    select * from {{ source('hosting_api', 'hosting_api_downloads') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as host_report_id,
        show_id,
        episode_guid,
        provider_episode_id,

        ---------- strings
        provider as hosting_provider,
        episode_title,

        ---------- numerics
        cast(downloads as {{ dbt.type_bigint() }}) as download_count,

        ---------- dates
        cast(download_date as date) as download_date,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
