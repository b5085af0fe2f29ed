-- Incremental: the recomputed facts replace their old versions; their (new) days join the day scope.
delete from contact_facts
where contact_id in (select contact_id from new_facts);

insert into contact_facts
select * from new_facts order by day, contact_id;

insert into day_scope
select distinct day from new_facts;
