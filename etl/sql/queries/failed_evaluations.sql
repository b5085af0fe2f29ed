-- The evaluations behind a failing item ($item; NULL for any failed item): contact id, agent, date and every
-- item failed. Never a patient field.
with evaluation as (
    select
        r.evaluation_id,
        any_value(r.contact_id) as contact_id,
        max(r.evaluated_at) as evaluated_at,
        coalesce(list(r.item order by r.item) filter (where r.result = 'fail'), []) as items_failed
    from qa_results r
    group by r.evaluation_id
),

final as (
    select
        e.evaluation_id,
        e.contact_id,
        f.agent_id as agent,
        f.team,
        f.partner,
        f.channel,
        f.day,
        e.evaluated_at,
        array_to_string(e.items_failed, ', ') as items_failed
    from evaluation e
    join contact_facts f on f.contact_id = e.contact_id
    where ((($item)::varchar is null and len(e.items_failed) > 0) or list_contains(e.items_failed, $item))
      and f.day between $date_from and $date_to
      and ck_in_view(f.licensed, f.partner, f.site, f.team, f.channel, f.queue, f.agent_id,
                     $include_licensed, $partners::varchar[], $sites::varchar[], $teams::varchar[], $channels::varchar[],
                     $queues::varchar[], $agents::varchar[], $scope_partners::varchar[], $scope_teams::varchar[])
)

select * from final
order by day desc, evaluation_id
limit 500;
