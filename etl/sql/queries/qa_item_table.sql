-- Per-item QA pass rates for the same filters and groups as kpi_table.sql: pass / (pass + fail), na excluded.
-- Only catalogue items ($items) are returned; the caller pivots them into qa_item_<item>_rate columns.
with filtered as (
    select *
    from {{qa_grain}}
    where day between $date_from and $date_to
      and list_contains($items::varchar[], item)
      and ($include_licensed or not licensed)
      and (len($partners::varchar[]) = 0 or list_contains($partners::varchar[], partner))
      and (len($sites::varchar[]) = 0 or list_contains($sites::varchar[], site))
      and (len($teams::varchar[]) = 0 or list_contains($teams::varchar[], team))
      and (len($channels::varchar[]) = 0 or list_contains($channels::varchar[], channel))
      and (len($queues::varchar[]) = 0 or list_contains($queues::varchar[], queue))
      and (len($agents::varchar[]) = 0 or list_contains($agents::varchar[], agent_id))
      and ($scope_partners::varchar[] is null or list_contains($scope_partners::varchar[], partner))
      and ($scope_teams::varchar[] is null or list_contains($scope_teams::varchar[], team))
),

final as (
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
        sum(passes) / nullif(sum(passes) + sum(fails), 0) as rate,
        sum(passes)::bigint as num,
        (sum(passes) + sum(fails))::bigint as den
    from filtered
    group by all
)

select * from final;
