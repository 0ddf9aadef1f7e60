with

source as (

    select * from {{ source('bookings', 'sponsor_briefs') }}

),

renamed as (

    select

        ----------  ids
        brief_id,
        tenant_id,
        sponsor_id,

        ---------- strings
        topic_text,
        target_app_mix,
        target_device_mix,
        target_country_mix,
        excluded_categories,
        excluded_keywords,
        upper(trim(currency)) as currency,

        ---------- numerics
        cast(budget as {{ type_double() }}) as budget_amount,

        ---------- booleans
        coalesce({{ try_cast_boolean('exclude_explicit') }}, false) as is_explicit_excluded,

        ---------- dates
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select * from renamed
