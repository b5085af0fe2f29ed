-- The roster: a re-delivered agent replaces the stored row (team moves, name fixes).
delete from agents
where agent_id in (select agent_id from staged where error is null);

insert into agents
select agent_id, agent_name, team, site, partner, licensed, hire_date, $load_id
from staged
where error is null;
