-- queues.csv -> which partner (and team, site) owns each queue, and its service-level threshold.
-- Ids used by more than one row come from temp table repeated_keys (etl/staging.py).
create or replace temp table staged as
with typed as (
    select
        r.*,
        ck_blank(r.queue) as queue_v,
        rep.last_rec
    from raw_input r
    left join repeated_keys rep on rep.id = ck_blank(r.queue)
),

checked as (
    select
        *,
        ck_errors(concat_ws('; ',
            ck_required_error('queue', queue),
            ck_id_error('queue', queue),
            ck_repeat_error('queue', rec_no, last_rec),
            ck_required_error('partner', partner),
            case when ck_blank(sl_threshold_seconds) is not null
                      and coalesce(ck_int(sl_threshold_seconds), 0) <= 0
                then 'sl_threshold_seconds is not a positive whole number' end
        )) as error
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
