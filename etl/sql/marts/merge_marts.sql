-- Incremental: the recomputed days replace their old rows in every mart.
delete from kpi_grain_hourly where day in (select day from day_scope);

insert into kpi_grain_hourly select * from new_grain_hourly order by day, hour;

delete from kpi_grain where day in (select day from day_scope);

insert into kpi_grain select * from new_grain order by day;

delete from qa_item_grain_hourly where day in (select day from day_scope);

insert into qa_item_grain_hourly select * from new_qa_hourly order by day, hour;

delete from qa_item_grain where day in (select day from day_scope);

insert into qa_item_grain select * from new_qa order by day;
