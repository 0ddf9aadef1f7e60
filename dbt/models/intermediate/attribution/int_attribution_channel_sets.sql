-- One row per sponsor x set of distinct channels on converting paths (grain sponsor_id x
-- channel_set): how many conversions had exactly those channels. Channels sorted and
-- joined by '|'. The input of the Shapley attribution (analyses/attribution/shapley.py).
with

touches as (

    select * from {{ ref('int_touchpoints_matched') }}

),

channels as (

    select distinct sponsor_id, conversion_id, channel
    from touches

),

paths as (

    select
        sponsor_id,
        conversion_id,
        {{ dbt.listagg('channel', "'|'", 'order by channel') }} as channel_set
    from channels
    group by sponsor_id, conversion_id

),

final as (

    select
        sponsor_id,
        channel_set,
        count(*) as conversions
    from paths
    group by sponsor_id, channel_set

)

select * from final
