-- Incremental: the facts in scope are recomputed; their (new) days join the day scope.
delete from contact_facts
where contact_id in (select contact_id from fact_scope);

insert into contact_facts
select * from facts_view;

insert into day_scope
select distinct day from contact_facts where contact_id in (select contact_id from fact_scope);
