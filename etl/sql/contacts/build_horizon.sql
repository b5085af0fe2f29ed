-- The horizon this build uses: the latest offered_at loaded, over all contacts whatever the filters
-- (etl.load.horizon); the facts' FCR windows close against it.
create or replace temp table build_horizon as
select $horizon_at::timestamp as horizon_at;
