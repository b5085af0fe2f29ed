-- Incremental: the days in scope are recomputed in every mart (hourly first: the daily marts sum it). They are few,
-- so their facts are read from the table store once, into a table the marts' views then read (scope_facts, a view
-- over every stored fact, would be read three times), and the QA results of those facts likewise.
create or replace temp table scope_facts_read as select * from scope_facts;

create or replace temp view scope_facts as select * from scope_facts_read;

insert into scope_contacts select contact_id from scope_facts;

create or replace temp table qa_source_read as select * from qa_results semi join scope_contacts using (contact_id);

create or replace temp view qa_source as select * from qa_source_read;

-- the hourly marts' days in scope are replaced in the table store (etl/store.py), even a day left with no rows
insert into kpi_grain_hourly_dropped select day from day_scope;

insert into kpi_grain_hourly_added select * from grain_hourly_view order by day, hour;

delete from kpi_grain where day in (select day from day_scope);

insert into kpi_grain select * from grain_daily_view order by day;

delete from kpi_grain_teams where day in (select day from day_scope);

insert into kpi_grain_teams select * from grain_teams_view order by day;

insert into qa_item_grain_hourly_dropped select day from day_scope;

insert into qa_item_grain_hourly_added select * from qa_hourly_view order by day, hour;

delete from qa_item_grain where day in (select day from day_scope);

insert into qa_item_grain select * from qa_daily_view order by day;

delete from qa_item_grain_teams where day in (select day from day_scope);

insert into qa_item_grain_teams select * from qa_teams_view order by day;
