with

source as (

    select * from {{ source('engagement', 'feature_rollouts') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as feature_rollout_id,
        tenant_id,
        show_id,

        ---------- strings
        lower(trim(feature)) as feature_name,

        ---------- timestamps
        cast(enabled_at as {{ dbt.type_timestamp() }}) as enabled_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
