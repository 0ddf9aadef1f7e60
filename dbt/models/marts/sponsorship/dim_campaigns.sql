-- One row per campaign whose booking is valid: int_campaigns_validated, the campaign as the
-- attribution intermediates read it too (int_booking_errors lists the others).
with

campaigns as (

    select * from {{ ref('int_campaigns_validated') }}

)

select * from campaigns
