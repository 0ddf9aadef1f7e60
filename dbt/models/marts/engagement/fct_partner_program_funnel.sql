-- One row per tenant x partner-programme stage (eligible -> applied -> approved -> active
-- -> payout): how many shows reached it, conversion from the stage before and from
-- eligibility, the days from eligibility to it (time to activation at `active`), and the
-- drop-off from the stage before. Every tenant of dim_shows gets all five stages (zeros
-- when none of its shows is in the programme). A show counts at a stage when it has an
-- event of it, whatever the order of its events.
with

shows as (

    select * from {{ ref('dim_shows') }}

),

stages_reached as (

    select * from {{ ref('int_partner_program_stages_reached') }}

),

stages as (

    select 'eligible' as program_status, 1 as stage_order
    union all select 'applied', 2
    union all select 'approved', 3
    union all select 'active', 4
    union all select 'payout', 5

),

tenant_stages as (

    select tenants.tenant_id, stages.program_status, stages.stage_order
    from (select distinct tenant_id from shows) as tenants
    cross join stages

),

reached as (

    select
        tenant_id,
        program_status,
        count(distinct show_id) as shows_reached,
        avg(days_from_eligible) as mean_days_from_eligible,
        percentile_cont(0.5) within group (order by days_from_eligible)
            as median_days_from_eligible
    from stages_reached
    group by tenant_id, program_status

),

counted as (

    select
        tenant_stages.tenant_id,
        tenant_stages.program_status,
        tenant_stages.stage_order,
        coalesce(reached.shows_reached, 0) as shows_reached,
        reached.mean_days_from_eligible,
        reached.median_days_from_eligible
    from tenant_stages
    left join reached
        on tenant_stages.tenant_id = reached.tenant_id
        and tenant_stages.program_status = reached.program_status

),

with_previous as (

    select
        counted.*,
        previous_stage.shows_reached as shows_previous_stage,
        eligible_stage.shows_reached as shows_eligible
    from counted
    left join counted as previous_stage
        on counted.tenant_id = previous_stage.tenant_id
        and counted.stage_order = previous_stage.stage_order + 1
    inner join counted as eligible_stage
        on counted.tenant_id = eligible_stage.tenant_id
        and eligible_stage.stage_order = 1

),

final as (

    select
        {{ surrogate_key(['tenant_id', 'program_status']) }} as tenant_stage_id,
        tenant_id,
        program_status,
        stage_order,
        cast(shows_reached as {{ dbt.type_bigint() }}) as shows_reached,
        cast(shows_reached as {{ type_double() }}) / nullif(shows_previous_stage, 0)
            as conversion_from_previous,
        cast(shows_reached as {{ type_double() }}) / nullif(shows_eligible, 0)
            as conversion_from_eligible,
        cast(shows_previous_stage - shows_reached as {{ dbt.type_bigint() }})
            as drop_off_from_previous,
        cast(median_days_from_eligible as {{ type_double() }}) as median_days_from_eligible,
        cast(mean_days_from_eligible as {{ type_double() }}) as mean_days_from_eligible
    from with_previous

)

select * from final
