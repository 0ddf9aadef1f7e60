-- One row per delivered ad (IAB v2.3): a counted download x an ad it carried.
-- grain: ad_impression_id. The rows are built, incrementally by download, by
-- int_ad_impressions_delivered; the mart is a view of it on DuckDB, so the attribution
-- chain reads that intermediate (never a mart) and readers get the same rows here without
-- a second copy of the largest sponsorship table. A table on Postgres (sealed_view()).
{{ config(materialized=sealed_view()) }}

with

impressions as (

    select * from {{ ref('int_ad_impressions_delivered') }}

)

select * from impressions
