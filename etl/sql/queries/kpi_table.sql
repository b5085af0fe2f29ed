-- THE KPI query: every consumer (dashboard, command line, reports) gets its numbers here.
-- Filters are bound lists (an empty list means no filter); $by_<dim> switches a grouping dimension on.
-- Every KPI is returned with its numerator and denominator; a KPI whose denominator is 0 is NULL.
-- {{grain}} / {{qa_grain}} are the daily marts, or the hourly ones when grouping by hour.
-- The per-item QA pass rates (pass / (pass + fail), na excluded, catalogue items $items only) come back as one
-- list per group, `qa_items`, which the caller spreads into qa_item_<item>_rate columns.
with filtered as (
    select *
    from {{grain}}
    where day between $date_from and $date_to
      and ck_in_view(licensed, partner, site, team, channel, queue, agent_id,
                     $include_licensed, $partners::varchar[], $sites::varchar[], $teams::varchar[], $channels::varchar[],
                     $queues::varchar[], $agents::varchar[], $scope_partners::varchar[], $scope_teams::varchar[])
),

qa_filtered as (
    select *
    from {{qa_grain}}
    where day between $date_from and $date_to
      and list_contains($items::varchar[], item)
      and ck_in_view(licensed, partner, site, team, channel, queue, agent_id,
                     $include_licensed, $partners::varchar[], $sites::varchar[], $teams::varchar[], $channels::varchar[],
                     $queues::varchar[], $agents::varchar[], $scope_partners::varchar[], $scope_teams::varchar[])
),

qa_grouped as (
    select
        case when $by_day then day end as day,
        case when $by_week then date_trunc('week', day)::date end as week,
        case when $by_month then strftime(day, '%Y-%m') end as month,
        case when $by_hour then hour end as hour,
        case when $by_channel then channel end as channel,
        case when $by_queue then queue end as queue,
        case when $by_team then team end as team,
        case when $by_site then site end as site,
        case when $by_partner then partner end as partner,
        case when $by_agent then agent_id end as agent,
        item,
        sum(passes) as passes,
        sum(fails) as fails
    from qa_filtered
    group by all
),

qa_lists as (
    select
        day, week, month, hour, channel, queue, team, site, partner, agent,
        list({
            'item': item,
            'rate': passes / nullif(passes + fails, 0),
            'num': passes::bigint,
            'den': (passes + fails)::bigint
        }) as qa_items
    from qa_grouped
    group by all
),

grouped as (
    select
        case when $by_day then day end as day,
        case when $by_week then date_trunc('week', day)::date end as week,
        case when $by_month then strftime(day, '%Y-%m') end as month,
        case when $by_hour then hour end as hour,
        case when $by_channel then channel end as channel,
        case when $by_queue then queue end as queue,
        case when $by_team then team end as team,
        case when $by_site then site end as site,
        case when $by_partner then partner end as partner,
        case when $by_agent then agent_id end as agent,
        sum(offered) as offered,
        sum(handled) as handled,
        sum(short_abandons) as short_abandons,
        sum(abandoned) as abandoned,
        sum(queue_outcomes) as queue_outcomes,
        sum(queued_handled) as queued_handled,
        sum(sl_met) as sl_met,
        sum(wait_sum) as wait_sum,
        sum(handle_sum) as handle_sum,
        sum(handle_sq_sum) as handle_sq_sum,
        sum(transferred) as transferred,
        sum(transferred_internal) as transferred_internal,
        sum(transferred_external) as transferred_external,
        sum(escalated_clinical) as escalated_clinical,
        sum(resolved_yes) as resolved_yes,
        sum(resolved_known) as resolved_known,
        sum(fcr_num) as fcr_num,
        sum(fcr_den) as fcr_den,
        sum(fcr_pending) as fcr_pending,
        sum(conversations_offered) as conversations_offered,
        sum(conversations_handled) as conversations_handled,
        sum(conversation_handle_sum) as conversation_handle_sum,
        sum(outbound_contacts) as outbound_contacts,
        sum(outbound_handled) as outbound_handled,
        sum(callback_contacts) as callback_contacts,
        sum(callback_handled) as callback_handled,
        sum(callbacks_scheduled) as callbacks_scheduled,
        sum(survey_responses) as survey_responses,
        sum(csat_sum) as csat_sum,
        sum(csat_top2) as csat_top2,
        sum(handled_responded) as handled_responded,
        sum(qa_evaluations) as qa_evaluations,
        sum(qa_compliant) as qa_compliant,
        sum(handled_evaluated) as handled_evaluated
    from filtered
    group by all
),

channel_totals as (
    -- the contacts offered in each group over all channels: the channel share's denominator (a join, not a window
    -- over the wide rows, which cost a fixed ~15 ms a query)
    select day, week, month, hour, queue, team, site, partner, agent, sum(offered) as offered_all_channels
    from grouped
    group by all
),

final as (
    select
        g.day, g.week, g.month, g.hour, g.channel, g.queue, g.team, g.site, g.partner, g.agent,
        offered::bigint as contacts_offered,
        handled::bigint as contacts_handled,
        short_abandons::bigint as short_abandons,
        fcr_pending::bigint as fcr_pending,
        conversations_offered::bigint as conversations_offered,
        outbound_contacts::bigint as outbound_contacts,
        outbound_handled::bigint as outbound_handled,
        callback_contacts::bigint as callback_contacts,
        callback_handled::bigint as callback_handled,
        callbacks_scheduled::bigint as callbacks_scheduled,

        sl_met / nullif(queue_outcomes, 0) as service_level,
        sl_met::bigint as service_level_num,
        queue_outcomes::bigint as service_level_den,

        abandoned / nullif(queue_outcomes, 0) as abandon_rate,
        abandoned::bigint as abandon_rate_num,
        queue_outcomes::bigint as abandon_rate_den,

        wait_sum / nullif(queued_handled, 0) as asa_seconds,
        wait_sum::double as asa_seconds_num,
        queued_handled::bigint as asa_seconds_den,

        handle_sum / nullif(handled, 0) as aht_seconds,
        handle_sum::double as aht_seconds_num,
        handled::bigint as aht_seconds_den,
        handle_sq_sum::double as aht_seconds_sumsq,

        conversation_handle_sum / nullif(conversations_handled, 0) as conversation_aht_seconds,
        conversation_handle_sum::double as conversation_aht_seconds_num,
        conversations_handled::bigint as conversation_aht_seconds_den,

        transferred / nullif(handled, 0) as transfer_rate,
        transferred::bigint as transfer_rate_num,
        handled::bigint as transfer_rate_den,

        transferred_internal / nullif(handled, 0) as transfer_internal_rate,
        transferred_internal::bigint as transfer_internal_rate_num,
        handled::bigint as transfer_internal_rate_den,

        transferred_external / nullif(handled, 0) as transfer_external_rate,
        transferred_external::bigint as transfer_external_rate_num,
        handled::bigint as transfer_external_rate_den,

        escalated_clinical / nullif(handled, 0) as clinical_escalation_rate,
        escalated_clinical::bigint as clinical_escalation_rate_num,
        handled::bigint as clinical_escalation_rate_den,

        resolved_yes / nullif(resolved_known, 0) as agent_resolution_rate,
        resolved_yes::bigint as agent_resolution_rate_num,
        resolved_known::bigint as agent_resolution_rate_den,

        fcr_num / nullif(fcr_den, 0) as fcr_rate,
        fcr_num::bigint as fcr_rate_num,
        fcr_den::bigint as fcr_rate_den,

        csat_top2 / nullif(survey_responses, 0) as csat_top2_rate,
        csat_top2::bigint as csat_top2_rate_num,
        survey_responses::bigint as csat_top2_rate_den,

        csat_sum / nullif(survey_responses, 0) as csat_mean,
        csat_sum::bigint as csat_mean_num,
        survey_responses::bigint as csat_mean_den,

        handled_responded / nullif(handled, 0) as survey_response_rate,
        handled_responded::bigint as survey_response_rate_num,
        handled::bigint as survey_response_rate_den,

        qa_compliant / nullif(qa_evaluations, 0) as qa_compliant_rate,
        qa_compliant::bigint as qa_compliant_rate_num,
        qa_evaluations::bigint as qa_compliant_rate_den,

        handled_evaluated / nullif(handled, 0) as qa_coverage,
        handled_evaluated::bigint as qa_coverage_num,
        handled::bigint as qa_coverage_den,

        offered / nullif(t.offered_all_channels, 0) as channel_share,
        offered::bigint as channel_share_num,
        t.offered_all_channels::bigint as channel_share_den,
        q.qa_items
    from grouped g
    join channel_totals t
        on g.day is not distinct from t.day and g.week is not distinct from t.week
        and g.month is not distinct from t.month and g.hour is not distinct from t.hour
        and g.queue is not distinct from t.queue and g.team is not distinct from t.team
        and g.site is not distinct from t.site and g.partner is not distinct from t.partner
        and g.agent is not distinct from t.agent
    left join qa_lists q
        on g.day is not distinct from q.day and g.week is not distinct from q.week
        and g.month is not distinct from q.month and g.hour is not distinct from q.hour
        and g.channel is not distinct from q.channel and g.queue is not distinct from q.queue
        and g.team is not distinct from q.team and g.site is not distinct from q.site
        and g.partner is not distinct from q.partner and g.agent is not distinct from q.agent
)

select * from final
order by all nulls first;
