-- Coaching sessions dated between $date_from and $date_to whose agent is in the roster and in the user's scope
-- (and in the chosen teams, partners and sites). Notes are returned only when $with_notes (the Coaching page).
select
    s.session_id,
    s.agent_id as agent,
    a.team,
    s.session_date,
    s.topic,
    s.trainer,
    case when $with_notes then s.notes end as notes
from coaching_sessions s
join agents a using (agent_id)
where s.session_date between $date_from and $date_to
  and ($include_licensed or not a.licensed)
  and (len($partners::varchar[]) = 0 or list_contains($partners::varchar[], a.partner))
  and (len($sites::varchar[]) = 0 or list_contains($sites::varchar[], a.site))
  and (len($teams::varchar[]) = 0 or list_contains($teams::varchar[], a.team))
  and (len($agents::varchar[]) = 0 or list_contains($agents::varchar[], s.agent_id))
  and ($scope_partners::varchar[] is null or list_contains($scope_partners::varchar[], a.partner))
  and ($scope_teams::varchar[] is null or list_contains($scope_teams::varchar[], a.team))
order by s.session_date, s.session_id;
