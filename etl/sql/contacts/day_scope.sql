-- Incremental loads: the days of contacts whose surveys or QA results changed must be recomputed in the marts
-- (merge_facts.sql adds the days of contacts whose facts changed).
-- (their stored facts were found by fact_band.sql's one read of the facts)
insert into day_scope
select distinct s.day
from touched_stored s
semi join touched_feedback t on t.contact_id = s.contact_id;
