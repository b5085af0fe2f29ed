-- Queue ownership: a re-delivered queue replaces the stored row.
-- The last statement returns the number of replaced rows.
create or replace temp table replaced as
select q.queue from queues q semi join staged s on s.queue = q.queue and s.error is null;

delete from queues
where queue in (select queue from replaced);

insert into queues
select queue, partner, team, site, sl_threshold_seconds, $load_id
from staged
where error is null;

select count(*) from replaced;
