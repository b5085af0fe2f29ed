-- One row per contact (a leg of a conversation) with everything a KPI needs: attribution (through the agent when
-- handled, through the queue's owner otherwise), the reporting-time-zone day and hour, waits and handle times,
-- which inbound KPIs the leg enters (see docs/kpis.md), and the conversation-level measures credited to it.
--
-- Conversations (contract v2): the legs sharing a conversation_id (a v1 contact is its own conversation). Its
-- start is its first leg's offered_at, its direction and patient its first leg's (the first leg with a patient),
-- and it is credited to its first handled leg (by answer time): FCR and handle time per conversation count there.
--
-- FCR (repeat-contact method over conversations): a handled inbound conversation with a patient is resolved at
-- first contact when no other inbound conversation from the same patient (any channel, handled or not, short
-- abandons excepted) starts after it and at most fcr_window_hours later; a later leg of the same conversation is
-- never a repeat. Its window is closed when start + window <= the latest offered_at loaded (the horizon, over all
-- contacts whatever the filters); until then it is pending.
-- A full rebuild recomputes every contact (fact_source is every contact); otherwise only fact_scope (see
-- fact_scope.sql), which holds every leg, in the band's days, of every conversation of each patient concerned, so
-- conversations and next-conversation searches are complete for the conversations in the band's zone
-- (write_scope.sql, fact_band.sql). This
-- is a view over the load's bound settings (build_params.sql); replace_facts.sql or merge_facts.sql materialises it.
create or replace temp view facts_view as
with params as (
    select * from build_params
),

horizon as (
    select horizon_at from build_horizon
),

licensed_queues as (
    -- queues served by licensed staff (licensed_queues.sql)
    select queue from build_licensed_queues
),

base as not materialized (
    select
        c.*,
        c.handled_at is not null as handled,
        case when c.handled_at is null then c.end_reason end as end_reason_v,
        c.handled_at is null and c.end_reason = 'abandoned'
            and c.ended_at < c.offered_at + to_seconds(p.short_abandon_seconds) as quick_abandon,
        -- exact: durations are DECIMAL(18,3) and timestamps microseconds, so handle and wait times are
        -- DECIMAL(18,6) and every sum of them is exact (no float drift in a numerator)
        cast(case when c.handled_at is null then null
             when c.talk_seconds is not null then c.talk_seconds + c.hold_seconds + c.acw_seconds
             else date_diff('microsecond', c.handled_at, c.ended_at) * 0.000001 + c.acw_seconds
        end as decimal(18, 6)) as handle_seconds,
        case when p.fcr_same_reason then coalesce(c.reason, '') else '' end as match_reason
    from fact_source c
    cross join params p
    where p.full_rebuild or c.contact_id in (select contact_id from fact_scope)
),

multi_leg as (
    -- the conversations of more than one leg: only these need aggregating (a v1 contact is a conversation of one)
    select conversation_id
    from base
    group by conversation_id
    having count(*) > 1
),

multi_conversations as (
    select
        conversation_id,
        min(offered_at) as started_at,
        first(direction order by offered_at, contact_id) as conversation_direction,
        first(patient_pseudonym order by offered_at, contact_id) filter (where patient_pseudonym is not null)
            as conversation_patient,
        first(match_reason order by offered_at, contact_id) as conversation_reason,
        first(contact_id order by offered_at, contact_id) filter (where end_reason_v is distinct from 'ivr')
            as first_offered_leg,
        first(contact_id order by handled_at, contact_id) filter (where handled) as credited_leg,
        bool_and(quick_abandon) as short_abandoned,
        cast(coalesce(sum(handle_seconds), 0) as decimal(18, 6)) as conversation_handle_seconds
    from base
    semi join multi_leg using (conversation_id)
    group by conversation_id
),

legs as not materialized (
    -- every leg with its conversation's measures; a conversation of one leg has that leg's own (the same values
    -- the aggregates above give for one row)
    select
        b.*,
        b.offered_at as started_at,
        b.direction as conversation_direction,
        b.patient_pseudonym as conversation_patient,
        b.match_reason as conversation_reason,
        case when b.end_reason_v is distinct from 'ivr' then b.contact_id end as first_offered_leg,
        case when b.handled then b.contact_id end as credited_leg,
        b.quick_abandon as short_abandoned,
        cast(coalesce(b.handle_seconds, 0) as decimal(18, 6)) as conversation_handle_seconds
    from base b
    anti join multi_leg m using (conversation_id)
    union all
    select
        b.*,
        m.* exclude (conversation_id)
    from base b
    join multi_conversations m using (conversation_id)
),

next_conversation as (
    -- the start of the patient's next inbound conversation (strictly later), short abandons excepted: a window
    -- frame over the patient's conversations in time order. It runs over the legs (the legs of one conversation
    -- share its start, so repeating it changes no minimum, and the frame, strictly later, skips its own legs), with
    -- only the columns it needs: sorting whole legs spilled 3.4 GB at 10 million contacts.
    select
        contact_id,
        case when conversation_patient is not null then
            min(started_at) filter (where conversation_direction = 'inbound' and not short_abandoned) over (
                partition by conversation_patient, conversation_reason
                order by started_at
                range between interval 1 microsecond following and unbounded following
            )
        end as next_at
    from legs
),

with_next as (
    select l.*, n.next_at
    from legs l
    join next_conversation n using (contact_id)
),

attributed as (
    select
        b.* exclude (conversation_reason, first_offered_leg, credited_leg, short_abandoned),
        b.contact_id = b.credited_leg and b.conversation_direction = 'inbound' as credited,
        b.contact_id = b.first_offered_leg and b.conversation_direction = 'inbound' as opens_conversation,
        b.direction = 'inbound' as inbound,
        a.agent_id is not null as agent_known,
        case when b.handled then coalesce(a.licensed, false)
             else b.queue in (select queue from licensed_queues) end as licensed,
        case when b.handled and a.agent_id is not null then a.partner else q.partner end as partner_v,
        case when b.handled and a.agent_id is not null then a.site else q.site end as site_v,
        case when b.handled and a.agent_id is not null then a.team else q.team end as team_v,
        coalesce(q.sl_threshold_seconds,
                 case when b.channel = 'voice' then p.sl_voice_seconds else p.sl_other_seconds end) as sl_threshold,
        timezone(p.reporting_timezone, b.offered_at::timestamptz) as offered_local,
        h.horizon_at,
        p.fcr_window_hours
    from with_next b
    left join agents a on a.agent_id = b.agent_id
    left join queues q on q.queue = b.queue
    cross join horizon h
    cross join params p
),

measured as (
    select
        *,
        -- the inbound leg waited in a queue and left it other than by a move, the IVR or a short abandon: the
        -- population of service level and abandonment
        inbound and queued and not quick_abandon
            and (handled or end_reason_v in ('abandoned', 'callback', 'other')) as queue_outcome,
        credited and conversation_patient is not null
            and started_at + to_hours(fcr_window_hours) <= horizon_at as window_closed,
        credited and conversation_patient is not null
            and started_at + to_hours(fcr_window_hours) > horizon_at as window_open
    from attributed
),

final as (
    select
        contact_id,
        conversation_id,
        channel,
        direction,
        queue,
        case when handled then agent_id end as agent_id,
        agent_known,
        coalesce(partner_v, '(unassigned)') as partner,
        coalesce(site_v, '(unassigned)') as site,
        coalesce(team_v, '(unassigned)') as team,
        licensed,
        offered_at,
        offered_local::date as day,
        hour(offered_local)::tinyint as hour,
        handled,
        queued,
        end_reason_v as end_reason,
        inbound and (handled or end_reason_v is distinct from 'ivr') as offered,
        inbound and queued and quick_abandon as short_abandon,
        queue_outcome,
        queue_outcome and not handled and end_reason_v = 'abandoned' as abandoned,
        case when handled then cast(date_diff('microsecond', offered_at, handled_at) * 0.000001 as decimal(18, 6))
            end as wait_seconds,
        handle_seconds,
        queue_outcome and handled
            and date_diff('microsecond', offered_at, handled_at) <= sl_threshold * 1000000 as sl_met,
        handled and transferred as transferred,
        case when handled and transferred then transfer_type end as transfer_type,
        handled and escalated_clinical as escalated_clinical,
        case when handled then resolved end as resolved,
        opens_conversation,
        credited,
        case when credited then conversation_handle_seconds end as conversation_handle_seconds,
        window_closed as fcr_eligible,
        window_closed and (next_at is null or next_at > started_at + to_hours(fcr_window_hours)) as fcr_resolved,
        window_open as fcr_pending
    from measured
)

select * from final;
