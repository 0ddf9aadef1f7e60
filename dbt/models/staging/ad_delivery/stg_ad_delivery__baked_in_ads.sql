with

source as (

    select * from {{ source('ad_delivery', 'baked_in_ads') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['show_id', 'episode_guid', 'line_item_id', '"position"', 'byte_start']) }} as baked_in_ad_id,
        show_id,
        episode_guid,
        {{ episode_key('show_id', 'episode_guid') }} as episode_id,
        campaign_id,
        line_item_id,

        ---------- strings
        lower(trim("position")) as ad_position,

        ---------- numerics
        cast(byte_start as {{ dbt.type_bigint() }}) as byte_start,
        cast(byte_end as {{ dbt.type_bigint() }}) as byte_end,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
