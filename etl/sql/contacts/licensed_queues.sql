-- Queues served by licensed staff: more than half of their answered contacts (all loaded so far) were answered by
-- licensed agents. Their unanswered contacts go with their answered ones (in or out of the KPIs). When the set
-- differs from the one the stored facts were built with (licensed_queues_kept), every contact's facts are rebuilt
-- (etl/load.py), since any day's unanswered contacts may change.
--
-- The answer counts per queue are kept with the set: a full rebuild counts every contact, an incremental load
-- ($from_kept) adds its answered contacts to the kept counts and takes away the stored versions it replaced (the
-- roster is the same, or the load would be a full rebuild).
create or replace temp table build_queue_answers as
with counted as (
    select c.queue, count(*) as answered, count_if(a.licensed) as licensed_answered
    from contacts c
    join agents a on a.agent_id = c.agent_id
    where not $from_kept and c.handled_at is not null
    group by c.queue
),

kept as (
    select unnest(answers, recursive := true)
    from licensed_queues_kept
    where $from_kept
),

changes as (
    select c.queue, 1 as n, a.licensed
    from contacts_added c
    join agents a on a.agent_id = c.agent_id
    where $from_kept and c.handled_at is not null
    union all
    select r.queue, -1 as n, a.licensed
    from replaced_contacts r
    join agents a on a.agent_id = r.agent_id
    where $from_kept and r.handled and r.stored
),

changed as (
    select queue, sum(n) as answered, sum(n) filter (where licensed) as licensed_answered
    from changes
    group by queue
)

select queue, sum(answered)::bigint as answered, coalesce(sum(licensed_answered), 0)::bigint as licensed_answered
from (
    select queue, answered, licensed_answered from counted
    union all
    select queue, answered, licensed_answered from kept
    union all
    select queue, answered, licensed_answered from changed
)
group by queue
having sum(answered) > 0;

create or replace temp table build_licensed_queues as
select queue
from build_queue_answers
where licensed_answered * 2 > answered;
