-- The value combinations present in the period (within the user's scope), from which each sidebar list is
-- narrowed by the other selections.
select distinct partner, site, team, channel, queue, agent_id as agent
from kpi_grain
where day between $date_from and $date_to
  and ($include_licensed or not licensed)
  and ($scope_partners::varchar[] is null or list_contains($scope_partners::varchar[], partner))
  and ($scope_teams::varchar[] is null or list_contains($scope_teams::varchar[], team))
order by all;
