-- The roster: a re-delivered agent replaces the stored row (team moves, name fixes).
-- The last statement returns the number of replaced rows.
create or replace temp table replaced as
select a.agent_id from agents a semi join staged s on s.agent_id = a.agent_id and s.error is null;

delete from agents
where agent_id in (select agent_id from replaced);

insert into agents
select agent_id, agent_name, team, site, partner, licensed, hire_date, $load_id
from staged
where error is null;

select count(*) from replaced;
