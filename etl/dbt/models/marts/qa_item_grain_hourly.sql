-- QA item results per day x hour x channel x queue x agent, credited to the evaluated contact. Items outside the
-- catalogue are kept here; the KPI query reports only catalogue items.
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
    count(case when r.result = 'pass' then 1 end) as passes,
    count(case when r.result = 'fail' then 1 end) as fails,
    count(case when r.result = 'na' then 1 end) as nas
from {{ source('inputs', 'qa_results') }} r
join {{ ref('contact_facts') }} f on f.contact_id = r.contact_id
group by f.day, f.hour, f.channel, f.queue, f.agent_id, f.team, f.site, f.partner, f.licensed, r.item
