-- Incremental loads: the days the recomputed contacts had before, and the days of contacts whose surveys or QA
-- results changed, are the days whose marts must be recomputed.
insert into day_scope
select distinct f.day
from contact_facts f
where f.contact_id in (select contact_id from fact_scope)
   or f.contact_id in (select contact_id from touched_feedback);
