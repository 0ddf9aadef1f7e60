-- One row per show x platform feature switched on for it: the first enablement. A feature
-- logged as enabled more than once (a re-run of the rollout job, a toggle) counts from
-- the first: a causal analysis of the rollout needs the day exposure began.
with

rollouts as (

    select * from {{ ref('stg_engagement__feature_rollouts') }}

),

first_enablement as (

    select
        tenant_id,
        show_id,
        feature_name,
        min(enabled_at) as enabled_at,
        count(*) as enablement_events
    from rollouts
    where enabled_at is not null
    group by tenant_id, show_id, feature_name

),

final as (

    select
        {{ surrogate_key(['tenant_id', 'show_id', 'feature_name']) }} as show_feature_id,
        tenant_id,
        show_id,
        feature_name,
        enabled_at,
        cast(enabled_at as date) as enabled_date,
        enablement_events
    from first_enablement

)

select * from final
