-- Full rebuild: the new marts replace the old, ordered by day so date filters skip row groups.
create or replace table kpi_grain_hourly as select * from new_grain_hourly order by day, hour;

create or replace table kpi_grain as select * from new_grain order by day;

create or replace table qa_item_grain_hourly as select * from new_qa_hourly order by day, hour;

create or replace table qa_item_grain as select * from new_qa order by day;
