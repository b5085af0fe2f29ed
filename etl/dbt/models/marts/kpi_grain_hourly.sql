-- The additive KPI mart: numerators and denominators per day x hour x channel x queue x agent (with the
-- attribution columns), so any filter and grouping re-aggregates exactly. Surveys and QA evaluations are credited
-- to their contact's day, hour, agent and channel. Counts are count(case when ... then 1 end): 0, never NULL,
-- when the condition is NULL on every row. The app reads it through etl/sql/queries/kpi_table.sql.
with facts as (
    select *, direction = 'inbound' and handled as inbound_handled
    from {{ ref('contact_facts') }}
),

survey_per_contact as (
    select
        contact_id,
        count(*) as responses,
        sum(csat) as csat_sum,
        count(case when csat >= 4 then 1 end) as csat_top2
    from {{ source('inputs', 'surveys') }}
    group by contact_id
),

evaluation as (
    -- an evaluation is compliant unless a critical item failed (all rows of an evaluation name one contact)
    select
        r.evaluation_id,
        min(r.contact_id) as contact_id,
        not bool_or(r.result = 'fail' and c.item is not null) as compliant
    from {{ source('inputs', 'qa_results') }} r
    left join {{ source('inputs', 'critical_items') }} c on c.item = r.item
    group by r.evaluation_id
),

qa_per_contact as (
    select
        contact_id,
        count(*) as evaluations,
        count(case when compliant then 1 end) as compliant
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
        count(case when f.offered then 1 end) as offered,
        count(case when f.inbound_handled then 1 end) as handled,
        count(case when f.short_abandon then 1 end) as short_abandons,
        count(case when f.abandoned then 1 end) as abandoned,
        count(case when f.queue_outcome then 1 end) as queue_outcomes,
        count(case when f.queue_outcome and f.handled then 1 end) as queued_handled,
        count(case when f.sl_met then 1 end) as sl_met,
        coalesce(sum(case when f.queue_outcome then f.wait_seconds end), 0) as wait_sum,
        coalesce(sum(case when f.inbound_handled then f.handle_seconds end), 0) as handle_sum,
        coalesce(sum(case when f.inbound_handled then {{ exact_square('f.handle_seconds') }} end), 0)
            as handle_sq_sum,
        count(case when f.inbound_handled and f.transferred then 1 end) as transferred,
        count(case when f.inbound_handled and f.transfer_type = 'internal' then 1 end) as transferred_internal,
        count(case when f.inbound_handled and f.transfer_type = 'external' then 1 end) as transferred_external,
        count(case when f.inbound_handled and f.escalated_clinical then 1 end) as escalated_clinical,
        count(case when f.inbound_handled and f.resolved then 1 end) as resolved_yes,
        count(case when f.inbound_handled and f.resolved is not null then 1 end) as resolved_known,
        count(case when f.fcr_eligible then 1 end) as fcr_den,
        count(case when f.fcr_resolved then 1 end) as fcr_num,
        count(case when f.fcr_pending then 1 end) as fcr_pending,
        count(case when f.opens_conversation then 1 end) as conversations_offered,
        count(case when f.credited then 1 end) as conversations_handled,
        coalesce(sum(f.conversation_handle_seconds), 0) as conversation_handle_sum,
        count(case when f.direction = 'outbound' then 1 end) as outbound_contacts,
        count(case when f.direction = 'outbound' and f.handled then 1 end) as outbound_handled,
        count(case when f.direction = 'callback' then 1 end) as callback_contacts,
        count(case when f.direction = 'callback' and f.handled then 1 end) as callback_handled,
        count(case when f.offered and f.end_reason = 'callback' then 1 end) as callbacks_scheduled,
        cast(coalesce(sum(s.responses), 0) as bigint) as survey_responses,
        cast(coalesce(sum(s.csat_sum), 0) as bigint) as csat_sum,
        cast(coalesce(sum(s.csat_top2), 0) as bigint) as csat_top2,
        count(case when f.inbound_handled and coalesce(s.responses, 0) > 0 then 1 end) as handled_responded,
        cast(coalesce(sum(q.evaluations), 0) as bigint) as qa_evaluations,
        cast(coalesce(sum(q.compliant), 0) as bigint) as qa_compliant,
        count(case when f.inbound_handled and coalesce(q.evaluations, 0) > 0 then 1 end) as handled_evaluated
    from facts f
    left join survey_per_contact s on s.contact_id = f.contact_id
    left join qa_per_contact q on q.contact_id = f.contact_id
    group by f.day, f.hour, f.channel, f.queue, f.agent_id, f.team, f.site, f.partner, f.licensed
)

select * from final
