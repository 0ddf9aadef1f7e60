-- One row per show in the partner programme x week since it joined (0 = the ISO week of
-- its first `active` event, its cohort), up to the newest week of fct_show_revenue_weekly:
-- the week's revenue (ad + subscription + partner payouts) and the running total since
-- joining. Weeks without a revenue row earn 0. Shows that joined before the access logs
-- begin keep their activation date from the programme's events; their early weeks hold
-- subscriptions and payouts only (is_complete false: no downloads were logged).
with

stages as (

    select * from {{ ref('int_partner_program_stages_reached') }}

),

revenue as (

    select * from {{ ref('fct_show_revenue_weekly') }}

),

horizon as (

    select max(week_start_date) as last_week_start_date from revenue

),

activations as (

    select
        tenant_id,
        show_id,
        first_reached_date as activated_date,
        {{ period_start('week', 'first_reached_date') }} as cohort_week_start_date
    from stages
    where program_status = 'active'

),

cohort_weeks as (

    select
        activations.*,
        cast(week_offset as {{ dbt.type_bigint() }}) as weeks_since_joining,
        cast({{ dbt.dateadd('day', '7 * week_offset', 'activations.cohort_week_start_date') }}
            as date) as week_start_date
    from (
        select
            activations.*,
            {{ day_offsets(dbt.datediff('activations.cohort_week_start_date',
                                        'horizon.last_week_start_date', 'day') ~ ' / 7') }}
                as week_offset
        from activations
        cross join horizon
    ) as activations

),

joined as (

    select
        cohort_weeks.tenant_id,
        cohort_weeks.show_id,
        cohort_weeks.cohort_week_start_date,
        cohort_weeks.activated_date,
        cohort_weeks.weeks_since_joining,
        cohort_weeks.week_start_date,
        coalesce(revenue.is_complete, false) as is_complete,
        coalesce(revenue.ad_revenue, 0) as ad_revenue,
        coalesce(revenue.subscription_revenue, 0) as subscription_revenue,
        coalesce(revenue.partner_payouts, 0) as partner_payouts,
        coalesce(revenue.revenue, 0) as revenue
    from cohort_weeks
    left join revenue
        on cohort_weeks.show_id = revenue.show_id
        and cohort_weeks.week_start_date = revenue.week_start_date

),

final as (

    select
        {{ surrogate_key(['show_id', 'weeks_since_joining']) }} as show_cohort_week_id,
        tenant_id,
        show_id,
        cohort_week_start_date,
        activated_date,
        weeks_since_joining,
        week_start_date,
        is_complete,
        cast(ad_revenue as {{ type_double() }}) as ad_revenue,
        cast(subscription_revenue as {{ type_double() }}) as subscription_revenue,
        cast(partner_payouts as {{ type_double() }}) as partner_payouts,
        cast(revenue as {{ type_double() }}) as revenue,
        cast(sum(revenue) over (
            partition by show_id
            order by weeks_since_joining
            rows between unbounded preceding and current row
        ) as {{ type_double() }}) as cumulative_revenue
    from joined

)

select * from final
