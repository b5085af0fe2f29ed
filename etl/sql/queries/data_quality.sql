-- What the warehouse holds that does not fully connect: queues no partner owns, agent ids missing from the
-- roster, surveys and QA evaluations whose contact has not arrived, and QA items outside the catalogue.
-- The daily mart has a row for every contact's queue and counts every survey and QA evaluation matched to a
-- contact (an evaluation names one contact), so those read it instead of matching every stored contact.
with unmapped as (
    select coalesce(list(distinct queue order by queue), []) as unmapped_queues
    from kpi_grain
    where queue not in (select queue from queues)
),

unknown as (
    select coalesce(list(distinct agent_id order by agent_id), []) as unknown_agents
    from contacts
    where agent_id is not null and agent_id not in (select agent_id from agents)
),

matched as (
    select
        coalesce(sum(survey_responses), 0)::bigint as surveys,
        coalesce(sum(qa_evaluations), 0)::bigint as evaluations
    from kpi_grain
),

orphan_surveys as (
    select (select count(*) from surveys) - (select surveys from matched) as unmatched_surveys
),

orphan_evaluations as (
    select (select count(distinct evaluation_id) from qa_results) - (select evaluations from matched)
        as unmatched_qa_evaluations
),

uncatalogued as (
    select coalesce(list(distinct item order by item), []) as uncatalogued_qa_items
    from qa_results
    where not list_contains($items::varchar[], item)
)

select * from unmapped, unknown, orphan_surveys, orphan_evaluations, uncatalogued;
