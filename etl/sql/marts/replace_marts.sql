-- Full rebuild: the daily marts, summed from the hourly ones (replace_hourly.sql filled them a batch of days at a
-- time; etl/load.py replaces them in the table store whole), ordered by day so date filters skip row groups.
delete from day_scope;

insert into day_scope select day from full_days;

create or replace table kpi_grain as select * from grain_daily_view order by day;

create or replace table kpi_grain_teams as select * from grain_teams_view order by day;

create or replace table qa_item_grain as select * from qa_daily_view order by day;

create or replace table qa_item_grain_teams as select * from qa_teams_view order by day;
