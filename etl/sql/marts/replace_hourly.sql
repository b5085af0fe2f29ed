-- Full rebuild: the hourly marts, one batch of days at a time ($first_day to $last_day, consecutive; etl/load.py
-- sizes the batches from the memory limit with etl/memory_budget.py). Grouping 50 million facts at once fails at
-- the 1,500 MB default rather than spill. The days come from full_days (replace_facts.sql); replace_marts.sql sets
-- day_scope back to every day for the daily marts. Batches run in day order, so the rows stay ordered by day.
delete from day_scope;

insert into day_scope select day from full_days where day between $first_day and $last_day;

delete from scope_contacts;

insert into scope_contacts select contact_id from scope_facts;

insert into kpi_grain_hourly_added select * from grain_hourly_view order by day, hour;

insert into qa_item_grain_hourly_added select * from qa_hourly_view order by day, hour;
