-- One row per order, with the campaign its discount code is the promo code of (same
-- sponsor, case ignored) and the post-purchase survey's answer when it names a podcast.
with

orders as (

    select * from {{ ref('stg_conversions__orders') }}

),

campaigns as (

    select * from {{ ref('int_campaigns_validated') }}

),

surveys as (

    select * from {{ ref('stg_conversions__survey_answers') }}

),

-- one answer per order: the latest
survey_answers as (

    select
        order_id,
        answer,
        answered_at,
        row_number() over (partition by order_id order by answered_at desc, survey_answer_id)
            as answer_rank
    from surveys

),

final as (

    select
        orders.order_id,
        orders.sponsor_id,
        orders.buyer_listener_ip_hash as household_ip_hash,
        orders.ordered_at,
        orders.revenue,
        orders.currency,
        nullif(trim(orders.discount_code), '') as discount_code,
        orders.landing_url,
        promo_campaigns.campaign_id as promo_campaign_id,
        survey_answers.answer as survey_answer,
        survey_answers.answered_at as survey_answered_at,
        {{ regexp_capture('survey_answers.answer', '^[Pp]odcast: *(.+)$') }} as survey_podcast
    from orders
    left join campaigns as promo_campaigns
        on upper(trim(orders.discount_code)) = promo_campaigns.promo_code
        and orders.sponsor_id = promo_campaigns.sponsor_id
    left join survey_answers
        on orders.order_id = survey_answers.order_id
        and survey_answers.answer_rank = 1

)

select * from final
