-- One row per episode with a readable transcript: the latest one fetched.
with

transcripts as (

    select * from {{ ref('stg_rss__transcripts') }}

),

episodes as (

    select * from {{ ref('int_episodes_deduplicated') }}

),

transcripts_ranked as (

    select
        transcripts.*,
        row_number() over (
            partition by episode_id
            order by fetched_at desc, transcript_url
        ) as fetch_rank
    from transcripts
    where transcript_text is not null

),

final as (

    select
        transcripts_ranked.episode_id,
        episodes.tenant_id,
        transcripts_ranked.show_id,
        transcripts_ranked.transcript_url,
        transcripts_ranked.resolved_url,
        transcripts_ranked.transcript_text,
        {{ dbt.length('transcripts_ranked.transcript_text') }} as transcript_chars,
        transcripts_ranked.fetched_at
    from transcripts_ranked
    inner join episodes
        on transcripts_ranked.episode_id = episodes.episode_id
    where transcripts_ranked.fetch_rank = 1

)

select * from final
