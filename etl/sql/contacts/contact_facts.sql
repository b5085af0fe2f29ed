-- One row per contact with everything a KPI needs: attribution (through the agent when handled, through the
-- queue's owner otherwise), the reporting-time-zone day and hour, waits and handle times, and FCR.
--
-- FCR (repeat-contact method): a handled contact with a patient is resolved at first contact when no other
-- contact from the same patient (any channel, handled or not, short abandons excepted) is offered after it and
-- at most fcr_window_hours later. Its window is closed when offered_at + window <= the latest offered_at loaded
-- (the horizon, over all contacts whatever the filters); until then it is pending.
-- A full rebuild recomputes every contact; otherwise only fact_scope (see fact_scope.sql), whose contacts include
-- every contact of each patient concerned, so the next-contact search is complete. This is a view over the load's
-- bound settings (build_params.sql); replace_facts.sql or merge_facts.sql materialises it.
create or replace temp view facts_view as
with params as (
    select * from build_params
),

horizon as (
    select max(offered_at) as horizon_at from contacts
),

licensed_queues as (
    -- queues served by licensed staff: more than half of their answered contacts (all loaded so far) were
    -- answered by licensed agents. Their unanswered contacts go with their answered ones (in or out of the KPIs).
    select c.queue
    from contacts c
    join agents a on a.agent_id = c.agent_id
    where c.handled_at is not null
    group by c.queue
    having count_if(a.licensed) * 2 > count(*)
),

base as (
    select
        c.*,
        c.handled_at is not null as handled,
        c.handled_at is null
            and c.ended_at < c.offered_at + to_seconds(p.short_abandon_seconds) as short_abandon,
        case when p.fcr_same_reason then coalesce(c.reason, '') else '' end as match_reason
    from contacts c
    cross join params p
    where p.full_rebuild or c.contact_id in (select contact_id from fact_scope)
),

with_next as (
    -- the first later moment (strictly later) at which the same patient contacted the centre again, short
    -- abandons excepted: a window frame over the patient's contacts in time order
    select
        *,
        case when patient_pseudonym is not null then
            min(offered_at) filter (where not short_abandon) over (
                partition by patient_pseudonym, match_reason
                order by offered_at
                range between interval 1 microsecond following and unbounded following
            )
        end as next_at
    from base
),

attributed as (
    select
        b.*,
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

final as (
    select
        contact_id,
        channel,
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
        short_abandon,
        case when handled then date_diff('millisecond', offered_at, handled_at) / 1000.0 end as wait_seconds,
        case when handled
            then date_diff('millisecond', handled_at, ended_at) / 1000.0 + acw_seconds end as handle_seconds,
        handled and date_diff('millisecond', offered_at, handled_at) <= sl_threshold * 1000 as sl_met,
        handled and transferred as transferred,
        handled and escalated_clinical as escalated_clinical,
        case when handled then resolved end as resolved,
        handled and patient_pseudonym is not null
            and offered_at + to_hours(fcr_window_hours) <= horizon_at as fcr_eligible,
        handled and patient_pseudonym is not null
            and offered_at + to_hours(fcr_window_hours) <= horizon_at
            and (next_at is null or next_at > offered_at + to_hours(fcr_window_hours)) as fcr_resolved,
        handled and patient_pseudonym is not null
            and offered_at + to_hours(fcr_window_hours) > horizon_at as fcr_pending
    from attributed
)

select * from final;
