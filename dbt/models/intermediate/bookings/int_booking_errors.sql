-- One row per problem found in the campaign bookings: the file, line and field at fault and
-- a message a booker can act on. A campaign or line item with an error stays out of the
-- sponsorship marts (dim_campaigns, dim_line_items and all that build on them) until fixed.
with

sponsors as (

    select * from {{ ref('stg_bookings__sponsors') }}

),

campaigns as (

    select * from {{ ref('stg_bookings__campaigns') }}

),

codes as (

    select * from {{ ref('stg_bookings__campaign_codes') }}

),

line_items as (

    select * from {{ ref('stg_bookings__line_items') }}

),

shows as (

    select * from {{ ref('stg_registry__shows') }}

),

campaign_errors as (

    select campaign_id, _source_file, _source_line, 'end_date' as field,
        'end_date ' || cast(end_date as {{ dbt.type_string() }}) || ' is before start_date '
            || cast(start_date as {{ dbt.type_string() }}) as message
    from campaigns
    where end_date < start_date

    union all

    select campaign_id, _source_file, _source_line, 'budget',
        'budget ' || cast(budget_amount as {{ dbt.type_string() }}) || ' is negative'
    from campaigns
    where budget_amount < 0

    union all

    select campaign_id, _source_file, _source_line, 'pricing_model',
        'pricing_model ''' || coalesce(pricing_model, '') || ''' is not cpm, flat or cpa'
    from campaigns
    where coalesce(pricing_model, '') not in ('cpm', 'flat', 'cpa')

    union all

    select campaign_id, _source_file, _source_line, 'attribution_window_days',
        'attribution_window_days ' || cast(attribution_window_days as {{ dbt.type_string() }})
            || ' is outside 1-60'
    from campaigns
    where attribution_window_days not between 1 and 60

    union all

    select campaigns.campaign_id, campaigns._source_file, campaigns._source_line, 'sponsor_id',
        'unknown sponsor_id ''' || campaigns.sponsor_id || ''''
    from campaigns
    left join sponsors
        on campaigns.sponsor_id = sponsors.sponsor_id
    where sponsors.sponsor_id is null

    union all

    select campaign_id, _source_file, _source_line, 'campaign_id',
        'campaign_id ''' || campaign_id || ''' is booked more than once'
    from (
        select campaigns.*, count(*) over (partition by campaign_id) as bookings
        from campaigns
    ) as counted
    where bookings > 1

),

-- a promo code identifies one campaign: two campaigns whose flights overlap can't share it
code_errors as (

    select codes.campaign_id, codes._source_file, codes._source_line, 'code' as field,
        'promo code ''' || codes.code || ''' is also used by live campaign '
            || other_codes.campaign_id as message
    from codes
    inner join campaigns
        on codes.campaign_id = campaigns.campaign_id
    inner join codes as other_codes
        on upper(codes.code) = upper(other_codes.code)
        and codes.code_type = other_codes.code_type
        and codes.campaign_id <> other_codes.campaign_id
    inner join campaigns as other_campaigns
        on other_codes.campaign_id = other_campaigns.campaign_id
    where codes.code_type = 'promo_code'
        and campaigns.start_date <= other_campaigns.end_date
        and other_campaigns.start_date <= campaigns.end_date

    union all

    select codes.campaign_id, codes._source_file, codes._source_line, 'campaign_id',
        'unknown campaign_id ''' || codes.campaign_id || ''''
    from codes
    left join campaigns
        on codes.campaign_id = campaigns.campaign_id
    where campaigns.campaign_id is null

),

line_item_errors as (

    select line_items.line_item_id, line_items._source_file, line_items._source_line,
        'show_id' as field,
        'unknown show_id ''' || line_items.show_id || ''' (not in the shows registry)' as message
    from line_items
    left join shows
        on line_items.show_id = shows.show_id
    where shows.show_id is null

    union all

    select line_items.line_item_id, line_items._source_file, line_items._source_line,
        'campaign_id', 'unknown campaign_id ''' || line_items.campaign_id || ''''
    from line_items
    left join campaigns
        on line_items.campaign_id = campaigns.campaign_id
    where campaigns.campaign_id is null

    union all

    select line_item_id, _source_file, _source_line, 'position',
        'position ''' || coalesce(ad_position, '') || ''' is not pre, mid or post'
    from line_items
    where coalesce(ad_position, '') not in ('pre', 'mid', 'post')

    union all

    select line_item_id, _source_file, _source_line, 'rate',
        'rate ' || cast(rate as {{ dbt.type_string() }}) || ' is negative'
    from line_items
    where rate < 0

),

errors as (

    select 'campaigns' as source_table, campaign_id as record_id, campaign_id,
        cast(null as {{ dbt.type_string() }}) as line_item_id,
        _source_file, _source_line, field, message
    from campaign_errors

    union all

    select 'campaign_codes', campaign_id, campaign_id, null,
        _source_file, _source_line, field, message
    from code_errors

    union all

    select 'line_items', line_item_id, null, line_item_id,
        _source_file, _source_line, field, message
    from line_item_errors

),

final as (

    select
        {{ surrogate_key(['source_table', '_source_file', '_source_line', 'field', 'message']) }}
            as booking_error_id,
        source_table,
        record_id,
        campaign_id,
        line_item_id,
        _source_file as source_file,
        _source_line as source_line,
        field,
        _source_file || ' line ' || cast(_source_line as {{ dbt.type_string() }}) || ', '
            || field || ': ' || message as message
    from errors

)

select * from final
