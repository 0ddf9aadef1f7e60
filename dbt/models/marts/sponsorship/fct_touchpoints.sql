-- One row per touchpoint on a conversion path (impression, UTM visit, vanity-URL visit,
-- promo code, survey answer), in time order on its path. The matching rules are in
-- int_touchpoints_matched and METHODOLOGY.md ("Attribution").
with

touches as (

    select * from {{ ref('int_touchpoints_matched') }}

),

final as (

    select
        touchpoint_id,
        tenant_id,
        conversion_id,
        sponsor_id,
        campaign_id,
        line_item_id,
        show_id,
        touch_type,
        channel,
        touch_source_id,
        touched_at,
        converted_at,
        cast({{ dbt.datediff('touched_at', 'converted_at', 'second') }} as {{ type_double() }})
            / 3600 as hours_before_conversion,
        row_number() over (
            partition by conversion_id order by touched_at, touchpoint_id
        ) as touch_seq,
        count(*) over (partition by conversion_id) as touch_count
    from touches

)

select * from final
