-- Full rebuild: the marts are rebuilt whole, ordered by day so date filters skip row groups. The hourly ones go to
-- the table store whole (etl/load.py replaces them there).
insert into scope_contacts select contact_id from scope_facts;

insert into kpi_grain_hourly_added select * from grain_hourly_view order by day, hour;

create or replace table kpi_grain as select * from grain_daily_view order by day;

create or replace table kpi_grain_teams as select * from grain_teams_view order by day;

insert into qa_item_grain_hourly_added select * from qa_hourly_view order by day, hour;

create or replace table qa_item_grain as select * from qa_daily_view order by day;

create or replace table qa_item_grain_teams as select * from qa_teams_view order by day;
