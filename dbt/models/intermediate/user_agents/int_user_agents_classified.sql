{#- Each distinct user agent is matched against every OPAWG pattern in the engine (a cross
    join, never per request), then the first match is kept by a window function
    (macro first_regex_match; letting patterns drive the loop makes Postgres compile each
    pattern once, 20x faster). Materialised as a table (see the yml): the expensive step. -#}

with

requests as (

    select * from {{ ref('stg_access_logs__user_agents') }}

),

patterns as (

    select * from {{ ref('stg_opawg__patterns') }}

),

devices as (

    select * from {{ ref('stg_opawg__devices') }}

),

-- null and '' are one user agent: ''
user_agents as (

    select distinct coalesce(user_agent, '') as user_agent
    from requests

),

first_pattern_matches as (

    {{ first_regex_match('user_agents', 'user_agent', 'patterns', 'pattern_portable',
                         ['list_name', 'entry_name', 'category'],
                         'patterns.list_rank, patterns.entry_index') }}

),

first_device_matches as (

    {{ first_regex_match('user_agents', 'user_agent', 'devices', 'pattern_portable',
                         ['device_name', 'device_category'], 'devices.entry_index') }}

),

joined as (

    select
        user_agents.user_agent,
        lower(user_agents.user_agent) as user_agent_lower,
        first_pattern_matches.entry_name as app_name,
        first_pattern_matches.list_name as matched_list,
        first_pattern_matches.category as app_category,
        first_device_matches.device_name,
        first_device_matches.device_category
    from user_agents
    left join first_pattern_matches
        on user_agents.user_agent = first_pattern_matches.user_agent
    left join first_device_matches
        on user_agents.user_agent = first_device_matches.user_agent

),

classified as (

    select

        ----------  ids
        {{ surrogate_key(['user_agent']) }} as user_agent_id,

        ---------- strings
        user_agent,
        app_name,
        matched_list,
        app_category,
        device_name,
        device_category,
        case
            when {{ regexp_like('user_agent_lower', 'watchos|watch os|^watch/[0-9]') }} then 'watchOS'
            when {{ regexp_like('user_agent_lower', 'apple ?tv|apple_tv|tvos') }} then 'tvOS'
            when {{ regexp_like('user_agent_lower', 'ipad') }} then 'iPadOS'
            when {{ regexp_like('user_agent_lower', 'iphone|ipod|(^|[^a-z])ios([^a-z]|$)') }} then 'iOS'
            when {{ regexp_like('user_agent_lower', 'android') }} then 'Android'
            when {{ regexp_like('user_agent_lower', 'macintosh|mac os x|macos|darwin/[0-9.]+ \((x86_64|arm64)\)') }} then 'macOS'
            -- Apple's network stack without a Mac marker: an iPhone app
            when {{ regexp_like('user_agent_lower', 'cfnetwork/|darwin/') }} then 'iOS'
            when {{ regexp_like('user_agent_lower', 'windows') }} then 'Windows'
            when {{ regexp_like('user_agent_lower', 'linux|x11') }} then 'Linux'
        end as os_name,

        ---------- booleans
        case
            when matched_list = 'bots' then true
            when matched_list = 'libraries' and app_category = 'bot' then true
            when {{ regexp_like('user_agent_lower', 'bot|crawler|spider') }} then true
            else false
        end as is_bot,
        case
            when user_agent like 'atc/%' and {{ dbt.position("'watchOS'", 'user_agent') }} > 0 then true
            when {{ dbt.position("'(null)/(null) watchOS'", 'user_agent') }} > 0 then true
            else false
        end as is_apple_watch_duplicate,
        trim(user_agent) = '' as is_empty

    from joined

)

select * from classified
