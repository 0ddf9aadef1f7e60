-- One row per conversion x touchpoint x heuristic model (first_touch, last_touch, linear,
-- time_decay, position_based): the touch's credit (a share of one conversion) and revenue
-- credit. The data-driven models (Markov, Shapley) are Python assets on the same paths:
-- attribution_markov and attribution_shapley.
with

credits as (

    select * from {{ ref('int_touch_credits') }}

),

touches as (

    select * from {{ ref('int_touchpoints_matched') }}

),

final as (

    select
        credits.touch_credit_id as attribution_id,
        touches.tenant_id,
        credits.conversion_id,
        credits.touchpoint_id,
        credits.attribution_model,
        touches.sponsor_id,
        touches.campaign_id,
        touches.line_item_id,
        touches.show_id,
        touches.touch_type,
        touches.channel,
        touches.touched_at,
        touches.converted_at,
        credits.touch_seq,
        credits.touch_count,
        credits.credit,
        credits.revenue_credit
    from credits
    inner join touches
        on credits.touchpoint_id = touches.touchpoint_id

)

select * from final
