-- One row per show x partner-programme stage it reached: when it first did, and the days
-- from its first eligibility. Stages are ordered eligible (1) -> applied -> approved ->
-- active -> payout (5); a status outside them is left out. The first event of a stage
-- counts: a show paid monthly reaches `payout` at its first payout.
with

program_events as (

    select * from {{ ref('stg_engagement__partner_program_events') }}

),

stages as (

    select
        tenant_id,
        show_id,
        program_status,
        case program_status
            when 'eligible' then 1
            when 'applied' then 2
            when 'approved' then 3
            when 'active' then 4
            when 'payout' then 5
        end as stage_order,
        min(event_at) as first_reached_at
    from program_events
    where program_status in ('eligible', 'applied', 'approved', 'active', 'payout')
        and event_at is not null
    group by tenant_id, show_id, program_status

),

eligibility as (

    select show_id, first_reached_at as eligible_at
    from stages
    where program_status = 'eligible'

),

final as (

    select
        stages.tenant_id,
        stages.show_id,
        stages.program_status,
        stages.stage_order,
        stages.first_reached_at,
        cast(stages.first_reached_at as date) as first_reached_date,
        eligibility.eligible_at,
        -- fractional days; null for a show with no eligibility on record
        cast({{ dbt.datediff('eligibility.eligible_at', 'stages.first_reached_at', 'second') }}
            as {{ type_double() }}) / 86400 as days_from_eligible
    from stages
    left join eligibility
        on stages.show_id = eligibility.show_id

)

select * from final
