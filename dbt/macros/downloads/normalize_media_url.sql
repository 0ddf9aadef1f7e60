{#- A media URL reduced to the part that identifies the file, so that requests made through
    measurement prefixes match the enclosure URL of the feed:
      1. the scheme is removed, and the query string and fragment;
      2. chains of measurement prefixes are stripped from the front, repeatedly (each may be
         followed by an embedded scheme, e.g. chrt.fm/track/X/https://...);
      3. the host is lowercased (the path keeps its case: CDNs' paths are case-sensitive).
    "https://dts.podtrac.com/redirect.mp3/op3.dev/e/cdn.acme.example/s1/e1.mp3?aid=rss"
    -> "cdn.acme.example/s1/e1.mp3". Add prefixes to measurement_prefix_patterns(). -#}
{% macro measurement_prefix_patterns() -%}
    {{ return([
        '(?:[a-z0-9-]+\.)?podtrac\.com/redirect\.[a-z0-9]+/',
        '(?:[a-z0-9-]+\.)?podtrac\.com/pts/redirect\.[a-z0-9]+/',
        'op3\.dev/e(?:,[^/]*)?/',
        '(?:www\.)?chtbl\.com/track/[^/]+/',
        'chrt\.fm/track/[^/]+/',
        'pdst\.fm/e/',
        'pfx\.vpixl\.com/[^/]+/',
        'verifi\.podscribe\.com/rss/p/',
        'pscrb\.fm/rss/p/',
        'arttrk\.com/p/[^/]+/',
        'mgln\.ai/e/[^/]+/',
        'clrtpod\.com/m/[^/]+/',
        'prfx\.byspotify\.com/e/',
    ]) }}
{%- endmacro %}

{% macro normalize_media_url(url) -%}
    {{ return(adapter.dispatch('normalize_media_url', 'podcast_warehouse')(url)) }}
{%- endmacro %}

{% macro default__normalize_media_url(url) -%}
    {%- set scheme = '[a-z][a-z0-9+.-]*:/+' -%}
    {%- set chain = '^(?:(?:' ~ (measurement_prefix_patterns() | join('|')) ~ ')(?:' ~ scheme ~ ')?)+' -%}
    {%- set no_scheme = "regexp_replace(trim(cast(" ~ url ~ " as " ~ dbt.type_string() ~ ")), '^" ~ scheme ~ "', '', 'i')" -%}
    {%- set no_query = "regexp_replace(" ~ no_scheme ~ ", '[?#].*$', '')" -%}
    {%- set no_prefix = "regexp_replace(" ~ no_query ~ ", '" ~ chain ~ "', '', 'i')" -%}
    {%- set host = "split_part(" ~ no_prefix ~ ", '/', 1)" -%}
    nullif(lower({{ host }}) || substr({{ no_prefix }}, length({{ host }}) + 1), '')
{%- endmacro %}

-- A URL as people mean it: lower case, no scheme, no query or fragment, no trailing slash
-- (so https://brand.example/show?ref=x and http://brand.example/show/ compare equal).
{% macro comparable_url(url) -%}
    rtrim(regexp_replace(regexp_replace(lower(trim({{ url }})), '^[a-z]+://', ''),
                         '[?#].*$', ''), '/')
{%- endmacro %}
