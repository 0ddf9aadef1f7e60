-- A table, unlike the other staging views: the range keys are computed once per load of
-- the reference (~10k ranges here, hundreds of thousands in DB-IP's file; ~33 us a key on
-- Postgres) rather than on every range join that reads them.
{{ config(materialized='table', post_hook="{{ range_start_index() }}") }}

with

source as (

    select * from {{ source('geo', 'ip_countries') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as ip_range_id,

        ---------- strings
        ip_start,
        ip_end,
        -- ZZ is DB-IP's "reserved or unassigned": unknown, like an address no range covers
        nullif(nullif(upper(trim(country_code)), ''), 'ZZ') as country_code,

        ---------- range keys (ip_range_key: IPv4 exact, IPv6 at /64)
        {{ ip_range_key('ip_start') }} as range_start_key,
        {{ ip_range_key('ip_end') }} as range_end_key,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source

)

select
    *,
    -- what a range join may use: both bounds addresses of one family, in order
    coalesce(
        left(range_start_key, 1) = left(range_end_key, 1) and range_start_key <= range_end_key,
        false
    ) as is_valid_range
from renamed
