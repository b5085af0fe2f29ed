-- Full rebuild: every contact's facts (materialised by etl/store.py's replace into contact_facts_added, which the
-- load writes to the table store), and every day in the day scope (so the marts are rebuilt whole).
delete from day_scope;

insert into day_scope
select distinct day from contact_facts;

-- every day, kept while the hourly marts are built a batch of days at a time (marts/replace_hourly.sql)
create or replace temp table full_days as select day from day_scope;
