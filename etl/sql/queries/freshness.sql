-- How fresh the data in the user's scope is: the last load, the latest contact (the FCR horizon for a manager) and
-- the first and last days with contacts; and the FCR horizon: the latest contact of the whole centre, against which
-- every FCR window closes (a time, no identifier).
select
    (select max(finished_at) from loads) as last_load_at,
    (select max(offered_at) from contact_facts) as fcr_horizon_at,
    (select max(offered_at) from contact_facts
     where ($scope_partners::varchar[] is null or list_contains($scope_partners::varchar[], partner))
       and ($scope_teams::varchar[] is null or list_contains($scope_teams::varchar[], team))) as latest_contact_at,
    min(day) as first_day,
    max(day) as last_day
from kpi_grain
where ($scope_partners::varchar[] is null or list_contains($scope_partners::varchar[], partner))
  and ($scope_teams::varchar[] is null or list_contains($scope_teams::varchar[], team));
