-- QA item results per day x channel x queue x agent, credited to the evaluated contact.
-- Items outside the catalogue are kept here; the KPI query reports only catalogue items.
create or replace table qa_item_grain as
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
    from qa_results r
    join contact_facts f on f.contact_id = r.contact_id
    group by all
)

select * from final;
