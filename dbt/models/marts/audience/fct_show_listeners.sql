-- One row per show, period grain (week | month) and period: counted downloads, unique
-- listeners (distinct listener keys with a counted download in the period) and growth
-- against the previous period of the same grain.
{%- set periods = ['week', 'month'] %}
with

downloads as (

    select * from {{ ref('fct_downloads') }}

),

{%- for period in periods %}
by_{{ period }} as (

    select
        tenant_id,
        show_id,
        '{{ period }}' as period_grain,
        {{ period_start(period, 'download_date') }} as period_start_date,
        count(*) as downloads,
        count(distinct listener_key) as listeners,
        count(distinct episode_id) as episodes_downloaded
    from downloads
    group by tenant_id, show_id, {{ period_start(period, 'download_date') }}

),
{%- endfor %}

periods as (

    {%- for period in periods %}
    select * from by_{{ period }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

with_previous as (

    select
        periods.*,
        case periods.period_grain
            when 'week' then cast({{ dbt.dateadd('day', -7, 'periods.period_start_date') }} as date)
            else cast({{ dbt.dateadd('month', -1, 'periods.period_start_date') }} as date)
        end as previous_period_start_date
    from periods

),

final as (

    select
        {{ surrogate_key(['current_period.show_id', 'current_period.period_grain',
                          'current_period.period_start_date']) }} as show_period_id,
        current_period.tenant_id,
        current_period.show_id,
        current_period.period_grain,
        current_period.period_start_date,
        current_period.downloads,
        current_period.listeners,
        current_period.episodes_downloaded,
        -- the adjacent earlier period; null when the show had no downloads in it
        previous_period.listeners as listeners_previous_period,
        previous_period.downloads as downloads_previous_period,
        case
            when previous_period.listeners > 0
                then 1.0 * current_period.listeners / previous_period.listeners - 1
        end as listener_growth,
        case
            when previous_period.downloads > 0
                then 1.0 * current_period.downloads / previous_period.downloads - 1
        end as download_growth
    from with_previous as current_period
    left join periods as previous_period
        on current_period.show_id = previous_period.show_id
        and current_period.period_grain = previous_period.period_grain
        and current_period.previous_period_start_date = previous_period.period_start_date

)

select * from final
