-- The one definition of the dashboard's filters and the user's scope, for every query that reads facts or marts
-- (kpi_table.sql, kpi_contacts.sql, coaching_handle_logs.sql, failed_evaluations.sql). Every connection to the
-- warehouse has it (etl/warehouse.py). The filter lists are bound parameters at each call; an empty list means no
-- filter, a NULL scope means no restriction (a manager). Licensed staff's work is left out unless included.
create or replace temp macro ck_in_view(
    licensed, partner, site, team, channel, queue, agent_id,
    include_licensed, partners, sites, teams, channels, queues, agents, scope_partners, scope_teams
) as
    (include_licensed or not licensed)
    and (len(partners) = 0 or list_contains(partners, partner))
    and (len(sites) = 0 or list_contains(sites, site))
    and (len(teams) = 0 or list_contains(teams, team))
    and (len(channels) = 0 or list_contains(channels, channel))
    and (len(queues) = 0 or list_contains(queues, queue))
    and (len(agents) = 0 or list_contains(agents, agent_id))
    and (scope_partners is null or list_contains(scope_partners, partner))
    and (scope_teams is null or list_contains(scope_teams, team));
