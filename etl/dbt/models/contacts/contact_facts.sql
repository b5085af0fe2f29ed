-- One row per contact leg with everything a KPI needs: the same definitions as docs/kpis.md (attribution,
-- reporting-time-zone day and hour, waits and handle times, the inbound KPI populations, conversations, the FCR
-- window). Written for both engines: time arithmetic in epoch microseconds, "first leg by time" as row_number()
-- with an explicit order (NULLS LAST), counts as count(case when ... then 1 end); engine differences only in
-- macros/engine.sql.
-- tests/test_build_equal.py proves this model equal, cell for cell, to the loader's contact_facts.
with params as (
    select * from {{ source('inputs', 'build_params') }}
),

contacts as (
    select * from {{ source('inputs', 'contacts') }}
),

agents as (
    select * from {{ source('inputs', 'agents') }}
),

queues as (
    select * from {{ source('inputs', 'queues') }}
),

horizon as (
    select max({{ epoch_us('offered_at') }}) as horizon_us from contacts
),

licensed_queues as (
    -- queues served by licensed staff: more than half of their answered contacts were answered by licensed agents
    select c.queue
    from contacts c
    join agents a on a.agent_id = c.agent_id
    where c.handled_at is not null
    group by c.queue
    having count(case when a.licensed then 1 end) * 2 > count(*)
),

base as (
    select
        c.*,
        {{ epoch_us('c.offered_at') }} as offered_us,
        {{ epoch_us('c.handled_at') }} as handled_us,
        c.handled_at is not null as handled,
        case when c.handled_at is null then c.end_reason end as end_reason_v,
        c.handled_at is null and c.end_reason = 'abandoned'
            and {{ epoch_us('c.ended_at') }} < {{ epoch_us('c.offered_at') }}
                + cast(p.short_abandon_seconds as bigint) * 1000000 as quick_abandon,
        -- exact: durations are DECIMAL(18,3) and times microseconds, so handle and wait times are DECIMAL(18,6)
        -- (0.000001 is a decimal literal on both engines)
        cast(case when c.handled_at is null then null
             when c.talk_seconds is not null then c.talk_seconds + c.hold_seconds + c.acw_seconds
             else ({{ epoch_us('c.ended_at') }} - {{ epoch_us('c.handled_at') }}) * 0.000001 + c.acw_seconds
        end as decimal(18, 6)) as handle_seconds,
        case when p.fcr_same_reason then coalesce(c.reason, '') else '' end as match_reason
    from contacts c
    cross join params p
),

ranked as (
    -- each leg's place in its conversation: by offer time; among legs with a patient; among legs that were not
    -- left in the IVR; among handled legs by answer time
    select
        *,
        row_number() over (partition by conversation_id order by offered_us, contact_id) as offered_rank,
        row_number() over (
            partition by conversation_id
            order by case when patient_pseudonym is null then 1 else 0 end, offered_us, contact_id
        ) as patient_rank,
        row_number() over (
            partition by conversation_id
            order by case when coalesce(end_reason_v, '') = 'ivr' then 1 else 0 end, offered_us, contact_id
        ) as not_ivr_rank,
        row_number() over (
            partition by conversation_id
            order by case when handled then 0 else 1 end, handled_us nulls last, contact_id
        ) as handled_rank
    from base
),

conversations as (
    select
        conversation_id,
        min(offered_us) as started_us,
        max(case when offered_rank = 1 then direction end) as conversation_direction,
        max(case when patient_rank = 1 then patient_pseudonym end) as conversation_patient,
        max(case when offered_rank = 1 then match_reason end) as conversation_reason,
        max(case when not_ivr_rank = 1 and coalesce(end_reason_v, '') <> 'ivr' then contact_id end)
            as first_offered_leg,
        max(case when handled_rank = 1 and handled then contact_id end) as credited_leg,
        bool_and(quick_abandon) as short_abandoned,
        cast(coalesce(sum(handle_seconds), 0) as decimal(18, 6)) as conversation_handle_seconds
    from ranked
    group by conversation_id
),

with_next as (
    -- the start of the patient's next inbound conversation (strictly later), short abandons excepted
    select
        *,
        case when conversation_patient is not null then
            min(case when conversation_direction = 'inbound' and not short_abandoned then started_us end) over (
                partition by conversation_patient, conversation_reason
                order by started_us
                range between 1 following and unbounded following
            )
        end as next_us
    from conversations
),

attributed as (
    select
        b.*,
        v.started_us,
        v.conversation_direction,
        v.conversation_patient,
        v.next_us,
        v.conversation_handle_seconds,
        b.contact_id = v.credited_leg and v.conversation_direction = 'inbound' as credited,
        b.contact_id = v.first_offered_leg and v.conversation_direction = 'inbound' as opens_conversation,
        b.direction = 'inbound' as inbound,
        a.agent_id is not null as agent_known,
        case when b.handled then coalesce(a.licensed, false)
             else lq.queue is not null end as licensed,
        case when b.handled and a.agent_id is not null then a.partner else q.partner end as partner_v,
        case when b.handled and a.agent_id is not null then a.site else q.site end as site_v,
        case when b.handled and a.agent_id is not null then a.team else q.team end as team_v,
        coalesce(q.sl_threshold_seconds,
                 case when b.channel = 'voice' then p.sl_voice_seconds else p.sl_other_seconds end) as sl_threshold,
        {{ local_time('b.offered_at', 'p.reporting_timezone') }} as offered_local,
        h.horizon_us,
        cast(p.fcr_window_hours as bigint) * 3600000000 as window_us
    from base b
    join with_next v on v.conversation_id = b.conversation_id
    left join agents a on a.agent_id = b.agent_id
    left join queues q on q.queue = b.queue
    left join licensed_queues lq on lq.queue = b.queue
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
        credited and conversation_patient is not null and started_us + window_us <= horizon_us as window_closed,
        credited and conversation_patient is not null and started_us + window_us > horizon_us as window_open
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
        cast(offered_local as date) as day,
        cast(hour(offered_local) as tinyint) as hour,
        handled,
        queued,
        end_reason_v as end_reason,
        inbound and (handled or coalesce(end_reason_v, '') <> 'ivr') as offered,
        inbound and queued and quick_abandon as short_abandon,
        queue_outcome,
        queue_outcome and not handled and end_reason_v = 'abandoned' as abandoned,
        case when handled then cast((handled_us - offered_us) * 0.000001 as decimal(18, 6)) end as wait_seconds,
        handle_seconds,
        queue_outcome and handled
            and handled_us - offered_us <= cast(sl_threshold as bigint) * 1000000 as sl_met,
        handled and transferred as transferred,
        case when handled and transferred then transfer_type end as transfer_type,
        handled and escalated_clinical as escalated_clinical,
        case when handled then resolved end as resolved,
        opens_conversation,
        credited,
        case when credited then conversation_handle_seconds end as conversation_handle_seconds,
        window_closed as fcr_eligible,
        window_closed and (next_us is null or next_us > started_us + window_us) as fcr_resolved,
        window_open as fcr_pending
    from measured
)

select * from final
