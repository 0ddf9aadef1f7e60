with

source as (

    select * from {{ source('conversions', 'pixel_visits') }}

),

purged_ips as (

    select * from {{ ref('stg_privacy__purged_ips') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['_source_file', '_source_line']) }} as pixel_visit_id,
        sponsor_id,
        -- a purged IP (a token: macros/ips/purged_ips.sql): the hashes kept when it was purged
        case when {{ ip_is_purged('source.ip') }} then purged_ips.ip_hash
            else {{ hash_ip(ip_canonical('source.ip')) }} end as ip_hash,
        case when {{ ip_is_purged('source.ip') }} then purged_ips.listener_ip_hash
            else {{ hash_ip(ip_listener_prefix('source.ip')) }} end as listener_ip_hash,

        ---------- strings
        user_agent,
        url as page_url,
        referer,

        ---------- timestamps
        cast(visited_at as {{ dbt.type_timestamp() }}) as visited_at,

        ---------- lineage
        _source_file,
        _source_line,
        _loaded_at

    from source
    left join purged_ips
        on {{ ip_is_purged('source.ip') }}
        and purged_ips.ip_key = {{ purged_ip_key('source.ip') }}

)

select * from renamed
