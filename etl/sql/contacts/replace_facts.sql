-- Full rebuild: every contact's facts, and every day in the day scope (so the marts are rebuilt whole).
create or replace table contact_facts as
select * from facts_view;

delete from day_scope;

insert into day_scope
select distinct day from contact_facts;
