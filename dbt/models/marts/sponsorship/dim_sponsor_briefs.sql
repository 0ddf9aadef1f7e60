-- One row per sponsor brief: what the sponsor wants, read by the sponsor-show matching.
with

briefs as (

    select * from {{ ref('stg_bookings__sponsor_briefs') }}

),

sponsors as (

    select * from {{ ref('stg_bookings__sponsors') }}

),

-- a brief delivered again (same id) replaces the earlier one: the latest loaded row wins
briefs_ranked as (

    select
        briefs.*,
        row_number() over (
            partition by brief_id
            order by _loaded_at desc, _source_file desc, _source_line desc
        ) as load_rank
    from briefs

),

final as (

    select
        briefs_ranked.brief_id,
        coalesce(nullif(trim(briefs_ranked.tenant_id), ''),
                 '{{ var("default_tenant_id") }}') as tenant_id,
        briefs_ranked.sponsor_id,
        sponsors.sponsor_name,
        sponsors.sponsor_category,
        briefs_ranked.topic_text,
        briefs_ranked.target_app_mix,
        briefs_ranked.target_device_mix,
        briefs_ranked.target_country_mix,
        briefs_ranked.is_explicit_excluded,
        briefs_ranked.excluded_categories,
        briefs_ranked.excluded_keywords,
        briefs_ranked.budget_amount,
        coalesce(nullif(briefs_ranked.currency, ''), 'USD') as currency,
        briefs_ranked.start_date,
        briefs_ranked.end_date
    from briefs_ranked
    left join sponsors on briefs_ranked.sponsor_id = sponsors.sponsor_id
    where briefs_ranked.load_rank = 1

)

select * from final
