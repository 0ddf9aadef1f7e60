-- One row per normalised enclosure URL: the episode its requests count for. When episodes
-- share a URL, the most recently published one wins.
with

episodes as (

    select * from {{ ref('int_episodes_deduplicated') }}

),

ranked as (

    select
        enclosure_url_normalized,
        episode_id,
        show_id,
        tenant_id,
        row_number() over (
            partition by enclosure_url_normalized
            order by published_at desc nulls last, episode_id
        ) as url_rank
    from episodes
    where enclosure_url_normalized is not null

),

final as (

    select
        enclosure_url_normalized,
        episode_id,
        show_id,
        tenant_id
    from ranked
    where url_rank = 1

)

select * from final
