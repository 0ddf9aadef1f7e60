-- Warns with every booking problem (file, line, field, message); those campaigns and line
-- items stay out of the sponsorship marts until fixed.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_booking_errors'}}}) }}

select source_table, source_file, source_line, field, message
from {{ ref('int_booking_errors') }}
