-- Incremental loads: the days of contacts whose surveys or QA results changed must be recomputed in the marts
-- (merge_facts.sql adds the days of contacts whose facts changed).
insert into day_scope
select distinct f.day
from contact_facts f
semi join touched_feedback t on t.contact_id = f.contact_id;
