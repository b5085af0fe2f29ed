-- QA item results, keyed by (evaluation_id, item): a re-delivered item replaces the stored one. The contacts of
-- old and new versions are noted for the incremental rebuild. The last statement returns the number replaced.
create or replace temp table replaced as
select r.evaluation_id, r.item, r.contact_id
from qa_results r
semi join staged s on s.evaluation_id = r.evaluation_id and s.item = r.item and s.error is null;

insert into touched_feedback
select contact_id from replaced
union all
select contact_id from staged where error is null;

delete from qa_results
where (evaluation_id, item) in (select (evaluation_id, item) from replaced);

insert into qa_results
select evaluation_id, item, contact_id, evaluated_at, evaluator, result, $load_id
from staged
where error is null;

select count(*) from replaced;
