{#- What int_requests_filtered rebuilds in a run (its replace_scope macro), and the
    stamps that make it decidable. See METHODOLOGY.md, "What a daily run reopens". -#}

{#- A fingerprint of every setting the filter rules depend on: when it differs from the one
    stamped on the built rows, every day is rebuilt. It includes the salt's md5, the SQL that
    turns an IP into its hashes and the unit the abusive-IP rule counts, so a change to any
    recounts what was counted the old way. -#}
{% macro counting_settings_hash() -%}
    {{- return(local_md5(tojson({
        'abusive_ip_threshold': var('abusive_ip_threshold'),
        'abusive_ip_allowlist': var('abusive_ip_allowlist'),
        'abusive_ip_unit': 'IPv4 address, IPv6 /64',
        'ip_salt_md5': podcast_warehouse.ip_salt_md5(),
        'ip_hashing': local_md5(podcast_warehouse.hash_ip(podcast_warehouse.ip_canonical('ip'))
                                ~ podcast_warehouse.hash_ip(podcast_warehouse.ip_listener_prefix('ip'))),
        'default_tenant_id': var('default_tenant_id'),
    }))) -}}
{%- endmacro %}

{#- UTC request days an incremental run of int_requests_filtered rebuilds (one column,
    request_date), within request_date_bounds (which, when set, open every day in them):
    - every day when the counting settings changed;
    - within var lookback_days of the newest request day: days whose raw requests changed
      (row count or latest load time differ: new, late, replaced or removed files) and
      days with unmatched requests whose URL now matches an episode (a feed polled late).
    Older changed days are left as built and reported by the test
    assert_request_days_in_step (closing the books on billed periods).
    `request_days`: stg_access_logs__request_days; `episode_urls`: int_episode_urls_ranked. -#}
{% macro request_days_to_rebuild(request_days, episode_urls) -%}
    {%- set lookback = var('lookback_days') | int -%}
    with

    days as (
        {{ podcast_warehouse.request_days_compared(request_days, this) }}
    ),

    settings as (
        select count(*) as stale_rows
        from {{ this }}
        where counting_settings_hash <> '{{ counting_settings_hash() }}'
    ),

    horizon as (
        {%- if var('request_date_from') or var('request_date_to') %}
        -- explicit bounds (a backfill): every day in them is open
        select cast(null as date) as first_open_day
        {%- else %}
        select {{ dbt.dateadd('day', 1 - lookback, 'max(request_date)') }} as first_open_day
        from days
        where raw_rows is not null
        {%- endif %}
    ),

    rematched_days as (
        select distinct built.request_date
        from {{ this }} as built
        inner join {{ episode_urls }} as episode_urls
            on built.url_normalized = episode_urls.enclosure_url_normalized
        where built.exclusion_reason = 'unmatched_url'
    ),

    to_rebuild as (
        select days.request_date
        from days
        cross join horizon
        cross join settings
        where settings.stale_rows > 0
            or (days.is_out_of_step and days.request_date >= coalesce(horizon.first_open_day, days.request_date))
        union
        select rematched_days.request_date
        from rematched_days
        cross join horizon
        where rematched_days.request_date >= coalesce(horizon.first_open_day, rematched_days.request_date)
    )

    select request_date
    from to_rebuild
    where {{ podcast_warehouse.request_date_bounds('request_date') }}
{%- endmacro %}

{#- Every request day of the raw requests (`request_days`: stg_access_logs__request_days) or
    of `built` (int_requests_filtered), with both
    request counts and whether they are out of step (see days_compared). -#}
{% macro request_days_compared(request_days, built) -%}
    {{ podcast_warehouse.days_compared(request_days, built,
                                       'request_date', 'request_count') }}
{%- endmacro %}
