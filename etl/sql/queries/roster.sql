-- The agent roster (names, teams, tenure) within the user's scope.
select agent_id as agent, agent_name, team, site, partner, licensed, hire_date
from agents
where ($scope_partners::varchar[] is null or list_contains($scope_partners::varchar[], partner))
  and ($scope_teams::varchar[] is null or list_contains($scope_teams::varchar[], team))
order by agent_id;
