-- Full rebuild: the recomputed facts become contact_facts, ordered by day so date filters skip row groups.
create or replace table contact_facts as
select * from new_facts order by day, contact_id;
