-- The contacts behind one KPI ($kpi) under the filters and the user's scope: every contact of its denominator,
-- flagged when it is in the numerator, with an outcome a person reads and, for FCR, the contact that repeated it
-- (its id and time: never the patient); satisfaction KPIs list the surveyed contacts with their scores (a
-- contact counts in CSAT top-2 when every score is 4 or 5; the KPI itself counts responses). QA KPIs list the evaluated contacts with their failed items; $kpi =
-- 'qa_item' lists the contacts evaluated on one item ($item, pass or fail; na left out), counted when none failed it.
-- Same filters as kpi_table.sql over contact_facts ($hour: one hour of each day, or NULL); values bound. At most $limit rows, misses first, newest first.
with filtered as (
    select f.*
    from contact_facts f
    where f.day between $date_from and $date_to
      and ($hour::integer is null or f.hour = $hour::integer)
      and ck_in_view(f.licensed, f.partner, f.site, f.team, f.channel, f.queue, f.agent_id,
                     $include_licensed, $partners::varchar[], $sites::varchar[], $teams::varchar[], $channels::varchar[],
                     $queues::varchar[], $agents::varchar[], $scope_partners::varchar[], $scope_teams::varchar[])
),

evaluations as (
    select
        r.contact_id,
        count(distinct r.evaluation_id) as evaluations,
        count(distinct r.evaluation_id) filter (where r.result = 'fail'
            and list_contains($critical_items::varchar[], r.item)) as non_compliant,
        list(distinct r.item order by r.item) filter (where r.result = 'fail') as items_failed,
        count(*) filter (where r.item = $item::varchar and r.result in ('pass', 'fail')) as item_scored,
        count(*) filter (where r.item = $item::varchar and r.result = 'fail') as item_failed
    from qa_results r
    semi join filtered f on f.contact_id = r.contact_id
    group by r.contact_id
),

surveyed as (
    -- satisfaction: every survey row of the contact, as kpi_grain.sql counts them (scores in answer order)
    select
        s.contact_id,
        count(*) as responses,
        count(*) filter (where s.csat >= 4) as top2,
        string_agg(s.csat::varchar, ', ' order by s.responded_at nulls last, s.survey_id) as scores
    from surveys s
    semi join filtered f on f.contact_id = s.contact_id
    where $kpi in ('csat_top2_rate', 'csat_mean', 'survey_response_rate')
    group by s.contact_id
),

repeats as (
    -- for FCR: the first later contact of the same patient within the window (short abandons excepted)
    select
        f.contact_id,
        arg_min(n.contact_id, n.offered_at) as repeated_by,
        min(n.offered_at) as repeated_at
    from filtered f
    join contacts c on c.contact_id = f.contact_id
    join contacts n
        on n.patient_pseudonym = c.patient_pseudonym
        and n.offered_at > c.offered_at
        and n.offered_at <= c.offered_at + to_hours($fcr_window_hours::bigint)
        and (not $fcr_same_reason or coalesce(n.reason, '') = coalesce(c.reason, ''))
    left join contact_facts nf on nf.contact_id = n.contact_id
    where $kpi = 'fcr_rate' and f.fcr_eligible and not coalesce(nf.short_abandon, false)
    group by f.contact_id
),

marked as (
    select
        f.*,
        e.evaluations,
        e.items_failed,
        r.repeated_by,
        r.repeated_at,
        sv.scores,
        case $kpi
            when 'service_level' then not f.short_abandon
            when 'abandon_rate' then not f.short_abandon
            when 'fcr_rate' then f.fcr_eligible
            when 'qa_compliant_rate' then coalesce(e.evaluations, 0) > 0
            when 'qa_coverage' then f.handled
            when 'qa_item' then coalesce(e.item_scored, 0) > 0
            when 'csat_top2_rate' then coalesce(sv.responses, 0) > 0
            when 'csat_mean' then coalesce(sv.responses, 0) > 0
            when 'survey_response_rate' then f.direction = 'inbound' and f.handled
            when 'contacts_offered' then true
            when 'short_abandons' then true
            else f.handled
        end as in_denominator,
        case $kpi
            when 'service_level' then f.sl_met
            when 'abandon_rate' then not f.handled and not f.short_abandon
            when 'fcr_rate' then f.fcr_resolved
            when 'qa_compliant_rate' then coalesce(e.non_compliant, 0) = 0
            when 'qa_coverage' then coalesce(e.evaluations, 0) > 0
            when 'qa_item' then coalesce(e.item_failed, 0) = 0
            when 'csat_top2_rate' then sv.top2 = sv.responses
            when 'survey_response_rate' then coalesce(sv.responses, 0) > 0
            when 'transfer_rate' then f.transferred
            when 'clinical_escalation_rate' then f.escalated_clinical
            when 'short_abandons' then f.short_abandon
            when 'contacts_handled' then f.handled
            else true
        end as in_numerator
    from filtered f
    left join evaluations e on e.contact_id = f.contact_id
    left join repeats r on r.contact_id = f.contact_id
    left join surveyed sv on sv.contact_id = f.contact_id
),

final as (
    select
        contact_id,
        offered_at,
        channel,
        queue,
        agent_id as agent,
        team,
        partner,
        case
            when short_abandon then 'short abandon'
            when not handled then 'abandoned'
            when sl_met then 'answered in ' || round(wait_seconds)::bigint || ' s'
            else 'answered late, in ' || round(wait_seconds)::bigint || ' s'
        end as outcome,
        scores,
        coalesce(in_numerator, false) as in_numerator,
        round(handle_seconds, 1) as handle_seconds,
        repeated_by,
        repeated_at,
        array_to_string(items_failed, ', ') as items_failed
    from marked
    where in_denominator
)

select * from final
order by in_numerator = ($kpi in ('abandon_rate', 'transfer_rate', 'short_abandons')) desc,
         offered_at desc, contact_id
limit $limit;
