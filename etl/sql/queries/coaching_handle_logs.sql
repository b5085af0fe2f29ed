-- Log handle times per team and agent (and per day when $by_day), for coaching's Welch test on the log scale:
-- the count, sum and sum of squares of ln(handle seconds), a handle time under 1 s counted as 1 s. Same
-- contacts as the Handle time KPI (handled inbound legs, the same filters and scope as kpi_table.sql), so
-- `n` equals aht_seconds_den of kpi_table() for the same group.
select
    team,
    agent_id as agent,
    case when $by_day then day end as day,
    count(*) as n,
    sum(ln(greatest(handle_seconds, 1))) as log_sum,
    sum(ln(greatest(handle_seconds, 1)) ^ 2) as log_sumsq
from contact_facts
where handled and direction = 'inbound'  -- the Handle time KPI counts inbound legs (kpi_grain.sql)
  and day between $date_from and $date_to
  and ck_in_view(licensed, partner, site, team, channel, queue, agent_id,
                 $include_licensed, $partners::varchar[], $sites::varchar[], $teams::varchar[], $channels::varchar[],
                 $queues::varchar[], $agents::varchar[], $scope_partners::varchar[], $scope_teams::varchar[])
group by all
order by all;
