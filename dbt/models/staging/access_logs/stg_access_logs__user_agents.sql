-- One row per distinct User-Agent of the raw access logs (null and '' are one: ''), with
-- its request count. What user-agent classification reads: straight from the source, one
-- scan of one column, not the hashing and lookups of stg_access_logs__requests.
with

source as (

    select * from {{ source('access_logs', 'access_logs') }}

),

renamed as (

    select
        coalesce(user_agent, '') as user_agent
    from source

),

final as (

    select
        user_agent,
        count(*) as request_count
    from renamed
    group by user_agent

)

select * from final
