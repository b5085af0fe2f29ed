-- QA item results per day (no hour): qa_item_grain_hourly summed over the hours.
select
    day, cast(null as tinyint) as hour, channel, queue, agent_id, team, site, partner, licensed, item,
    cast(sum(passes) as bigint) as passes,
    cast(sum(fails) as bigint) as fails,
    cast(sum(nas) as bigint) as nas
from {{ ref('qa_item_grain_hourly') }}
group by day, channel, queue, agent_id, team, site, partner, licensed, item
