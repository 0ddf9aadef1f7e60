-- One row per logged request: the IP as written and the row's load time. Ephemeral: a CTE
-- inside the one query that reads it (int_ips_located), never a view or table, so the raw
-- address stays in the raw layer (IPs are stored only as salted hashes past it).
{{ config(materialized='ephemeral') }}

with

source as (

    select * from {{ source('access_logs', 'access_logs') }}

),

renamed as (

    select
        ip,
        _loaded_at
    from source

)

select * from renamed
