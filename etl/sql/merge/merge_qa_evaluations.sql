-- QA item results, keyed by (evaluation_id, item): a re-delivered item replaces the stored one. An evaluation
-- re-delivered for another contact replaces the stored evaluation whole (all its items), as a single load would
-- refuse one evaluation naming two contacts: the old contact's agent keeps no credit. The contacts of old and new
-- versions are noted for the incremental rebuild. Changes go to the table store (qa_results_dropped: the replaced
-- keys; qa_results_added; see etl/store.py). The last statement returns the number of staged rows that
-- replaced stored ones.
create or replace temp table moved_evaluations as
select distinct r.evaluation_id
from qa_results r
join (select distinct evaluation_id, contact_id from staged where error is null) s
    on s.evaluation_id = r.evaluation_id and s.contact_id <> r.contact_id;

create or replace temp table replaced as
select r.evaluation_id, r.item, r.contact_id, r.evaluated_at
from qa_results r
where r.evaluation_id in (select evaluation_id from moved_evaluations)
   or (r.evaluation_id, r.item) in (select (evaluation_id, item) from staged where error is null);

insert into touched_feedback
select contact_id from replaced
union all
select contact_id from staged where error is null;

create or replace temp table replacing as
select count(*) as n
from staged s
where s.error is null
  and (s.evaluation_id in (select evaluation_id from moved_evaluations)
       or (s.evaluation_id, s.item) in (select (evaluation_id, item) from replaced));

insert into qa_results_dropped
select evaluation_id, item, evaluated_at from replaced;

delete from qa_results_added
where (evaluation_id, item) in (select (evaluation_id, item) from replaced);

insert into qa_results_added
select evaluation_id, item, contact_id, evaluated_at, evaluator, result, $load_id
from staged
where error is null;

select n from replacing;
