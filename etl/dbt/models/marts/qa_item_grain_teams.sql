-- QA item results per day summed over the agents (agent_id null), for the queries that neither group nor filter by
-- agent.
select
    day, cast(null as tinyint) as hour, channel, queue, cast(null as string) as agent_id, team, site, partner,
    licensed, item,
    cast(sum(passes) as bigint) as passes,
    cast(sum(fails) as bigint) as fails,
    cast(sum(nas) as bigint) as nas
from {{ ref('qa_item_grain') }}
group by day, channel, queue, team, site, partner, licensed, item
