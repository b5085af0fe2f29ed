-- Queue ownership: a re-delivered queue replaces the stored row.
delete from queues
where queue in (select queue from staged where error is null);

insert into queues
select queue, partner, team, site, sl_threshold_seconds, $load_id
from staged
where error is null;
