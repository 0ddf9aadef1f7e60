with

shows as (

    select * from {{ ref('stg_registry__shows') }}

),

fetches as (

    select * from {{ ref('stg_rss__fetches') }}

),

registry_ranked as (

    select
        shows.*,
        row_number() over (
            partition by show_id
            order by _loaded_at desc, _source_file desc, _source_line desc
        ) as registry_rank
    from shows

),

registered as (

    select
        coalesce(tenant_id, '{{ var("default_tenant_id") }}') as tenant_id,
        show_id,
        title,
        feed_url,
        hosting_provider,
        hosting_show_id,
        header_bytes,
        true as is_in_registry
    from registry_ranked
    where registry_rank = 1

),

fetches_ranked as (

    select
        fetches.*,
        row_number() over (
            partition by show_id
            order by fetched_at desc, fetch_id desc
        ) as fetch_rank
    from fetches

),

-- shows fetched earlier but no longer in the registry keep their row
fetched_only as (

    select
        coalesce(fetches_ranked.tenant_id, '{{ var("default_tenant_id") }}') as tenant_id,
        fetches_ranked.show_id,
        cast(null as {{ dbt.type_string() }}) as title,
        fetches_ranked.feed_url,
        cast(null as {{ dbt.type_string() }}) as hosting_provider,
        cast(null as {{ dbt.type_string() }}) as hosting_show_id,
        cast(null as {{ dbt.type_bigint() }}) as header_bytes,
        false as is_in_registry
    from fetches_ranked
    left join registered
        on fetches_ranked.show_id = registered.show_id
    where fetches_ranked.fetch_rank = 1
        and registered.show_id is null

),

unioned as (

    select * from registered
    union all
    select * from fetched_only

)

select * from unioned
