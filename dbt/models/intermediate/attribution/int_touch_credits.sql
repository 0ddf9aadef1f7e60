-- One row per touchpoint x heuristic attribution model: the share of its conversion the
-- touch earns. Definitions of marketing-attribution-models 2.1.1 (PRODUCT.md, tested on
-- its worked example), touches in time order on each path:
--   first_touch / last_touch - 1 to the first / last touch;
--   linear                   - 1 / n to each;
--   time_decay               - weight 0.5 ^ (hours before the conversion / half-life),
--                              normalised over the path (var attribution_half_life_days);
--   position_based           - 40% first, 40% last, 20% shared by the middle touches;
--                              two touches 50/50; one touch 100%.
-- The credits of a conversion sum to 1 per model; revenue credit = credit x revenue.
{%- set half_life_hours = 24 * (var('attribution_half_life_days') | float) %}

with

touches as (

    select * from {{ ref('int_touchpoints_matched') }}
    where converted_at is not null

),

ordered as (

    select
        conversion_id,
        touchpoint_id,
        revenue,
        row_number() over (
            partition by conversion_id order by touched_at, touchpoint_id
        ) as touch_seq,
        count(*) over (partition by conversion_id) as touch_count,
        power(0.5, {{ dbt.datediff('touched_at', 'converted_at', 'second') }}
            / {{ 3600 * half_life_hours }}) as decay_weight
    from touches

),

credited as (

    select
        ordered.*,
        case when touch_seq = 1 then 1.0 else 0.0 end as first_touch,
        case when touch_seq = touch_count then 1.0 else 0.0 end as last_touch,
        1.0 / touch_count as linear,
        -- added in touch order: the same total to the last bit on every run
        decay_weight / sum(decay_weight) over (
            partition by conversion_id order by touch_seq
            rows between unbounded preceding and unbounded following
        ) as time_decay,
        case
            when touch_count = 1 then 1.0
            when touch_count = 2 then 0.5
            when touch_seq = 1 or touch_seq = touch_count then 0.4
            else 0.2 / (touch_count - 2)
        end as position_based
    from ordered

),

{%- set models = heuristic_attribution_models() %}

unpivoted as (

    {%- for model in models %}
    select
        conversion_id,
        touchpoint_id,
        touch_seq,
        touch_count,
        '{{ model }}' as attribution_model,
        cast({{ model }} as {{ type_double() }}) as credit,
        cast({{ model }} * revenue as {{ type_double() }}) as revenue_credit
    from credited
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}

),

final as (

    select
        {{ surrogate_key(['touchpoint_id', 'attribution_model']) }} as touch_credit_id,
        unpivoted.*
    from unpivoted

)

select * from final
