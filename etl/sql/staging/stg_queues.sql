-- queues.csv -> which partner (and team, site) owns each queue, and its service-level threshold.
create or replace temp table staged as
with typed as (
    select
        raw_input.*,
        ck_blank(queue) as queue_v,
        count(*) over (partition by ck_blank(queue)) as id_count,
        max(rec_no) over (partition by ck_blank(queue)) as id_last_rec
    from raw_input
),

checked as (
    select
        *,
        ck_errors([
            ck_required_error('queue', queue),
            case when queue_v is not null and rec_no < id_last_rec
                then ck_repeat_error('queue', id_count) end,
            ck_required_error('partner', partner),
            case when ck_blank(sl_threshold_seconds) is not null
                      and coalesce(ck_int(sl_threshold_seconds), 0) <= 0
                then 'sl_threshold_seconds is not a positive whole number' end
        ]) as error
    from typed
),

final as (
    select
        rec_no,
        line_no,
        error,
        queue_v as queue,
        ck_blank(partner) as partner,
        ck_blank(team) as team,
        ck_blank(site) as site,
        ck_int(sl_threshold_seconds)::integer as sl_threshold_seconds
    from checked
)

select * from final;
