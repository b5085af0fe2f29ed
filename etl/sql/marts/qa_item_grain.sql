-- QA item results per day x hour x channel x queue x agent (and per day without the hour), credited to the
-- evaluated contact. Items outside the catalogue are kept here; the KPI query reports only catalogue items.
-- Computed for the same days as kpi_grain.sql (scope_facts).
create or replace temp view qa_hourly_view as
with final as (
    select
        f.day,
        f.hour,
        f.channel,
        f.queue,
        f.agent_id,
        f.team,
        f.site,
        f.partner,
        f.licensed,
        r.item,
        count_if(r.result = 'pass') as passes,
        count_if(r.result = 'fail') as fails,
        count_if(r.result = 'na') as nas
    from qa_source r
    join scope_facts f on f.contact_id = r.contact_id
    group by all
)

select * from final;

-- kept in the table store like kpi_grain_hourly (kpi_grain.sql)
create or replace temp table qa_item_grain_hourly_added as
select * from qa_hourly_view limit 0;

create or replace temp view qa_daily_view as
select day, null::tinyint as hour, channel, queue, agent_id, team, site, partner, licensed, item,
    sum(passes) as passes, sum(fails) as fails, sum(nas) as nas
from qa_item_grain_hourly_added
group by day, channel, queue, agent_id, team, site, partner, licensed, item;

create table if not exists qa_item_grain as
select * from qa_daily_view limit 0;

-- qa_item_grain summed over the agents (agent_id null), for the queries that neither group nor filter by agent
create or replace temp view qa_teams_view as
select day, null::tinyint as hour, channel, queue, null::varchar as agent_id, team, site, partner, licensed, item,
    sum(passes) as passes, sum(fails) as fails, sum(nas) as nas
from qa_item_grain
where day in (select day from day_scope)
group by day, channel, queue, team, site, partner, licensed, item;
