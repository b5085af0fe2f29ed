-- Incremental: the facts in scope are recomputed. Only the days of facts that actually changed (old or new
-- version) join the day scope, so the marts recompute as few days as the new data can change.
create or replace temp table new_scope_facts as
select * from facts_view;

create or replace temp table old_scope_facts as
select * from contact_facts
where contact_id in (select contact_id from fact_scope);

insert into day_scope
select day from (select * from new_scope_facts except all select * from old_scope_facts)
union
select day from (select * from old_scope_facts except all select * from new_scope_facts);

delete from contact_facts
where contact_id in (select contact_id from fact_scope);

insert into contact_facts
select * from new_scope_facts;
