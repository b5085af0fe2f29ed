-- Coaching sessions: a re-delivered session replaces the stored one. They change no contact fact or mart.
-- The last statement returns the number of replaced rows.
create or replace temp table replaced as
select c.session_id from coaching_sessions c semi join staged s on s.session_id = c.session_id and s.error is null;

delete from coaching_sessions
where session_id in (select session_id from replaced);

insert into coaching_sessions
select session_id, agent_id, session_date, topic, trainer, notes, $load_id
from staged
where error is null;

select count(*) from replaced;
