-- What the warehouse holds that does not fully connect: queues no partner owns, agent ids missing from the
-- roster, surveys and QA evaluations whose contact has not arrived, and QA items outside the catalogue.
with unmapped as (
    select coalesce(list(distinct queue order by queue), []) as unmapped_queues
    from contacts
    where queue not in (select queue from queues)
),

unknown as (
    select coalesce(list(distinct agent_id order by agent_id), []) as unknown_agents
    from contacts
    where agent_id is not null and agent_id not in (select agent_id from agents)
),

orphan_surveys as (
    select count(*) as unmatched_surveys
    from surveys
    where contact_id not in (select contact_id from contacts)
),

orphan_evaluations as (
    select count(distinct evaluation_id) as unmatched_qa_evaluations
    from qa_results
    where contact_id not in (select contact_id from contacts)
),

uncatalogued as (
    select coalesce(list(distinct item order by item), []) as uncatalogued_qa_items
    from qa_results
    where not list_contains($items::varchar[], item)
)

select * from unmapped, unknown, orphan_surveys, orphan_evaluations, uncatalogued;
