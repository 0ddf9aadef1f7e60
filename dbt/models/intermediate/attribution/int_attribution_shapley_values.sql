-- One row per sponsor x channel of converting paths (grain sponsor_id x channel): its
-- Shapley value, in conversions. Players are the channels; a coalition S is worth the
-- conversions whose set of distinct channels lies inside S (Zhao, Mahboobi & Bagheri 2018,
-- "Shapley Value Methods for Attribution Modeling in Online Advertising", arXiv:1804.05327).
-- That game is a sum of unanimity games, one per conversion over its channel set J, and
-- the Shapley value of a unanimity game gives each member of J 1 / |J|; by additivity
--     phi(channel) = sum over the conversions through the channel of 1 / |J|,
-- the paper's simplified Shapley value: each conversion is shared equally among its
-- distinct channels (repeated touches of one channel add nothing). Linear in the
-- touchpoints, any number of channels (enumerating the 2^n coalitions stopped at 20); the
-- values sum to the sponsor's conversions with a touchpoint. The Dagster asset
-- analyses.attribution_shapley publishes them.
with

touches as (

    select * from {{ ref('int_touchpoints_matched') }}

),

conversion_channels as (

    select distinct
        sponsor_id,
        conversion_id,
        channel,
        touch_type,
        campaign_id
    from touches

),

shares as (

    select
        *,
        cast(1 as {{ type_double() }})
            / count(*) over (partition by sponsor_id, conversion_id) as share
    from conversion_channels

),

final as (

    select
        sponsor_id,
        channel,
        touch_type,
        campaign_id,
        {{ exact_sum('share') }} as shapley_value,
        count(*) as conversions
    from shares
    group by sponsor_id, channel, touch_type, campaign_id

)

select * from final
