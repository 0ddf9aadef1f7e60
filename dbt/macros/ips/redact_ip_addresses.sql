{#- The SQL text `text` with every IPv4 and IPv6 address in it replaced by '<ip>': for the
    free text that leaves the raw layer (a quarantined record, a reason quoting a bad
    value). It errs on the side of hiding: dotted version numbers and '::' are hidden too. -#}
{% macro redact_ip_addresses(text) -%}
    regexp_replace(
        regexp_replace({{ text }}, '[0-9]{1,3}(\.[0-9]{1,3}){3}', '<ip>', 'g'),
        -- compressed (with '::', any IPv4 tail already hidden) or full IPv6
        '([0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}::[0-9a-f:.]*'
        || '|[0-9a-f]{1,4}(:[0-9a-f]{1,4}){3,7}',
        '<ip>', 'gi'
    )
{%- endmacro %}
