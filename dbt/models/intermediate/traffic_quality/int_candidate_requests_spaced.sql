-- One row per candidate request (not excluded by the IAB filter) with the seconds since the
-- same listener key's previous candidate request for the same show on the same UTC day:
-- the spacing the traffic-quality mart measures for regularity (a person's requests are
-- irregular, a scheduler's are not).
with

requests as (

    select * from {{ ref('int_requests_filtered') }}
    where exclusion_reason is null

),

previous as (

    select
        request_id,
        tenant_id,
        show_id,
        episode_id,
        listener_key,
        listener_ip_hash,
        user_agent_id,
        request_date,
        requested_at,
        lag(requested_at) over (
            partition by listener_key, show_id, request_date
            order by requested_at, request_id
        ) as previous_requested_at
    from requests

),

final as (

    select
        previous.*,
        {{ dbt.datediff('previous_requested_at', 'requested_at', 'second') }} as gap_seconds
    from previous

)

select * from final
