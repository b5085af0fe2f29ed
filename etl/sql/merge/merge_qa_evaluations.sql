-- QA item results, keyed by (evaluation_id, item): a re-delivered item replaces the stored one.
delete from qa_results
where (evaluation_id, item) in (select (evaluation_id, item) from staged where error is null);

insert into qa_results
select evaluation_id, item, contact_id, evaluated_at, evaluator, result, $load_id
from staged
where error is null;
