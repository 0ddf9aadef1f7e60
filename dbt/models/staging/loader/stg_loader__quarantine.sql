-- One row per quarantined row or file. The record itself stays in raw.quarantine: past
-- raw go its reason, file, line and a short excerpt, with IP addresses hidden in both.
{%- set excerpt_chars = 300 %}
with

source as (

    select * from {{ source('loader', 'quarantine') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['source_table', 'source_file', 'source_line', 'reason', 'quarantined_at']) }} as quarantine_id,

        ---------- strings
        source_table,
        source_file,
        {{ redact_ip_addresses('reason') }} as reason,
        -- hidden before it is cut, so that no address is cut short of the pattern
        left({{ redact_ip_addresses('raw_record') }}, {{ excerpt_chars }}) as record_excerpt,

        ---------- numerics
        cast(source_line as {{ dbt.type_bigint() }}) as source_line,

        ---------- timestamps
        cast(quarantined_at as {{ dbt.type_timestamp() }}) as quarantined_at

    from source

)

select * from renamed
