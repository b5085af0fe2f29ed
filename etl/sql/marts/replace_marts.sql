-- Full rebuild: the marts are rebuilt whole, ordered by day so date filters skip row groups.
insert into scope_contacts select contact_id from scope_facts;

create or replace table kpi_grain_hourly as select * from grain_hourly_view order by day, hour;

create or replace table kpi_grain as select * from grain_daily_view order by day;

create or replace table kpi_grain_teams as select * from grain_teams_view order by day;

create or replace table qa_item_grain_hourly as select * from qa_hourly_view order by day, hour;

create or replace table qa_item_grain as select * from qa_daily_view order by day;

create or replace table qa_item_grain_teams as select * from qa_teams_view order by day;
