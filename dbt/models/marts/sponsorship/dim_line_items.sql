-- One row per valid line item of a valid campaign: int_line_items_validated, the line item as
-- the attribution intermediates read it too.
with

line_items as (

    select * from {{ ref('int_line_items_validated') }}

)

select * from line_items
