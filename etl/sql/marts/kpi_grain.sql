-- The additive KPI marts: numerators and denominators per day x hour x channel x queue x agent (with the
-- attribution columns), so any filter and grouping re-aggregates exactly; and the same per day without the hour,
-- which most queries read. Surveys and QA evaluations are credited to their contact's day, hour, agent and
-- channel. Views over the days in day_scope (every day in a full rebuild); replace_marts.sql or merge_marts.sql
-- materialise them. Counts are count(*) filter (where ...), which is 0, never NULL, when the condition is NULL on
-- every row (a group with no resolved flags counts 0 resolved).
create or replace temp view scope_facts as
select *, direction = 'inbound' and handled as inbound_handled
from contact_facts
where day in (select day from day_scope);

-- The ids of the facts in scope, filled before the marts (replace_marts.sql, merge_marts.sql): the surveys and QA
-- results are matched through them, so the hourly mart reads the facts once (read three times, they would be stored
-- whole, 5 GB spilled at 10 million contacts).
create or replace temp table scope_contacts (contact_id varchar);

-- The QA results the marts read: all of them in a full rebuild; merge_marts.sql narrows them to the facts in scope
-- once (matching every stored result to the scope in each mart cost 3.8 s of a 50-million-contact day).
create or replace temp view qa_source as select * from qa_results;

create or replace temp view grain_hourly_view as
with survey_per_contact as (
    select
        contact_id,
        count(*) as responses,
        sum(csat) as csat_sum,
        count(*) filter (where csat >= 4) as csat_top2
    from surveys
    semi join scope_contacts f using (contact_id)
    group by contact_id
),

evaluation as (
    select
        evaluation_id,
        any_value(contact_id) as contact_id,
        not bool_or(result = 'fail' and list_contains((select critical_items from build_params), item))
            as compliant
    from qa_source
    semi join scope_contacts f using (contact_id)
    group by evaluation_id
),

qa_per_contact as (
    select
        contact_id,
        count(*) as evaluations,
        count(*) filter (where compliant) as compliant
    from evaluation
    group by contact_id
),

final as (
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
        count(*) filter (where f.offered) as offered,
        count(*) filter (where f.inbound_handled) as handled,
        count(*) filter (where f.short_abandon) as short_abandons,
        count(*) filter (where f.abandoned) as abandoned,
        count(*) filter (where f.queue_outcome) as queue_outcomes,
        count(*) filter (where f.queue_outcome and f.handled) as queued_handled,
        count(*) filter (where f.sl_met) as sl_met,
        coalesce(sum(f.wait_seconds) filter (where f.queue_outcome), 0) as wait_sum,
        coalesce(sum(f.handle_seconds) filter (where f.inbound_handled), 0) as handle_sum,
        -- exact too: squares of DECIMAL(18,6) need 38 digits
        coalesce(sum(f.handle_seconds::decimal(38, 6) * f.handle_seconds::decimal(38, 6))
            filter (where f.inbound_handled), 0) as handle_sq_sum,
        count(*) filter (where f.inbound_handled and f.transferred) as transferred,
        count(*) filter (where f.inbound_handled and f.transfer_type = 'internal') as transferred_internal,
        count(*) filter (where f.inbound_handled and f.transfer_type = 'external') as transferred_external,
        count(*) filter (where f.inbound_handled and f.escalated_clinical) as escalated_clinical,
        count(*) filter (where f.inbound_handled and f.resolved) as resolved_yes,
        count(*) filter (where f.inbound_handled and f.resolved is not null) as resolved_known,
        count(*) filter (where f.fcr_eligible) as fcr_den,
        count(*) filter (where f.fcr_resolved) as fcr_num,
        count(*) filter (where f.fcr_pending) as fcr_pending,
        count(*) filter (where f.opens_conversation) as conversations_offered,
        count(*) filter (where f.credited) as conversations_handled,
        coalesce(sum(f.conversation_handle_seconds), 0) as conversation_handle_sum,
        count(*) filter (where f.direction = 'outbound') as outbound_contacts,
        count(*) filter (where f.direction = 'outbound' and f.handled) as outbound_handled,
        count(*) filter (where f.direction = 'callback') as callback_contacts,
        count(*) filter (where f.direction = 'callback' and f.handled) as callback_handled,
        count(*) filter (where f.offered and f.end_reason = 'callback') as callbacks_scheduled,
        coalesce(sum(s.responses), 0)::bigint as survey_responses,
        coalesce(sum(s.csat_sum), 0)::bigint as csat_sum,
        coalesce(sum(s.csat_top2), 0)::bigint as csat_top2,
        count(*) filter (where f.inbound_handled and coalesce(s.responses, 0) > 0) as handled_responded,
        coalesce(sum(q.evaluations), 0)::bigint as qa_evaluations,
        coalesce(sum(q.compliant), 0)::bigint as qa_compliant,
        count(*) filter (where f.inbound_handled and coalesce(q.evaluations, 0) > 0) as handled_evaluated
    from scope_facts f
    left join survey_per_contact s on s.contact_id = f.contact_id
    left join qa_per_contact q on q.contact_id = f.contact_id
    group by all
)

select * from final;

-- The hourly mart lives in the table store, a day partition per day (etl/store.py): replace_marts.sql or
-- merge_marts.sql fill kpi_grain_hourly_added with the days in scope, which the load writes as those days' files.
create or replace temp table kpi_grain_hourly_added as
select * from grain_hourly_view limit 0;

create or replace temp view grain_daily_view as
select
    day, null::tinyint as hour, channel, queue, agent_id, team, site, partner, licensed,
    sum(columns(* exclude (day, hour, channel, queue, agent_id, team, site, partner, licensed)))
from kpi_grain_hourly_added
group by day, channel, queue, agent_id, team, site, partner, licensed;

create table if not exists kpi_grain as
select * from grain_daily_view limit 0;

-- kpi_grain summed over the agents (agent_id null): every query that neither groups nor filters by agent reads it.
-- At 1 M contacts a year it holds 12 times fewer rows than kpi_grain, and the gap grows with the number of agents.
create or replace temp view grain_teams_view as
select
    day, null::tinyint as hour, channel, queue, null::varchar as agent_id, team, site, partner, licensed,
    sum(columns(* exclude (day, hour, channel, queue, agent_id, team, site, partner, licensed)))
from kpi_grain
where day in (select day from day_scope)
group by day, channel, queue, team, site, partner, licensed;
