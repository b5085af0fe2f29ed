-- calls.csv -> one typed contact per row, with every broken rule named in `error` (NULL when valid).
-- Input: temp table raw_input (rec_no, line_no, every contract column as text).
create or replace temp table staged as
with typed as (
    select
        raw_input.*,
        ck_blank(call_id) as contact_id_v,
        ck_ts(offered_at, $source_tz) as offered_ts,
        ck_ts(answered_at, $source_tz) as answered_ts,
        ck_ts(ended_at, $source_tz) as ended_ts,
        count(*) over (partition by ck_blank(call_id)) as id_count,
        max(rec_no) over (partition by ck_blank(call_id)) as id_last_rec
    from raw_input
),

checked as (
    select
        *,
        ck_errors([
            ck_required_error('call_id', call_id),
            case when contact_id_v is not null and rec_no < id_last_rec
                then ck_repeat_error('call_id', id_count) end,
            ck_required_error('queue', queue),
            ck_ts_error('offered_at', offered_at, $source_tz, true),
            ck_ts_error('answered_at', answered_at, $source_tz, false),
            ck_ts_error('ended_at', ended_at, $source_tz, true),
            ck_count_error('hold_seconds', hold_seconds),
            ck_count_error('acw_seconds', acw_seconds),
            ck_bool_error('transferred', transferred),
            ck_bool_error('escalated_clinical', escalated_clinical),
            ck_bool_error('resolved', resolved),
            case when answered_ts is not null and ck_blank(agent_id) is null
                then 'agent_id is missing on an answered call' end,
            case when answered_ts < offered_ts then 'answered_at before offered_at' end,
            case when ended_ts < answered_ts then 'ended_at before answered_at'
                 when ended_ts < offered_ts then 'ended_at before offered_at' end,
            ck_future_error('offered_at', offered_ts, $load_started, $future_hours),
            case when exists (
                    select 1 from contacts c where c.contact_id = contact_id_v and c.channel <> 'voice'
                ) then 'call_id already used by a chat' end
        ]) as error
    from typed
),

final as (
    select
        rec_no,
        line_no,
        error,
        contact_id_v as contact_id,
        'voice' as channel,
        ck_pseudonym(patient_ref, $ipad, $opad) as patient_pseudonym,
        ck_blank(queue) as queue,
        ck_blank(reason) as reason,
        ck_blank(agent_id) as agent_id,
        offered_ts as offered_at,
        answered_ts as handled_at,
        ended_ts as ended_at,
        coalesce(ck_int(hold_seconds), 0)::integer as hold_seconds,
        coalesce(ck_int(acw_seconds), 0)::integer as acw_seconds,
        coalesce(ck_bool(transferred), false) as transferred,
        coalesce(ck_bool(escalated_clinical), false) as escalated_clinical,
        ck_bool(resolved) as resolved
    from checked
)

select * from final;
