-- Queues served by licensed staff: more than half of their answered contacts (all loaded so far) were answered by
-- licensed agents. Their unanswered contacts go with their answered ones (in or out of the KPIs). Read once per
-- build; when the set differs from the one the stored facts were built with (licensed_queues_built), every
-- contact's facts are rebuilt (etl/load.py), since any day's unanswered contacts may change.
create or replace temp table build_licensed_queues as
select c.queue
from contacts c
join agents a on a.agent_id = c.agent_id
where c.handled_at is not null
group by c.queue
having count_if(a.licensed) * 2 > count(*);
