-- chats.csv -> one typed contact per row (channel chat unless given), every broken rule named in `error`.
-- Input: temp table raw_input (rec_no, line_no, every contract column as text).
create or replace temp table staged as
with typed as (
    select
        raw_input.*,
        ck_blank(chat_id) as contact_id_v,
        coalesce(lower(ck_blank(channel)), 'chat') as channel_v,
        ck_ts(requested_at, $source_tz) as offered_ts,
        ck_ts(accepted_at, $source_tz) as answered_ts,
        ck_ts(ended_at, $source_tz) as ended_ts,
        count(*) over (partition by ck_blank(chat_id)) as id_count,
        max(rec_no) over (partition by ck_blank(chat_id)) as id_last_rec
    from raw_input
),

checked as (
    select
        *,
        ck_errors([
            ck_required_error('chat_id', chat_id),
            case when contact_id_v is not null and rec_no < id_last_rec
                then ck_repeat_error('chat_id', id_count) end,
            ck_required_error('queue', queue),
            case when channel_v = 'voice' then 'channel voice belongs in calls.csv' end,
            ck_ts_error('requested_at', requested_at, $source_tz, true),
            ck_ts_error('accepted_at', accepted_at, $source_tz, false),
            ck_ts_error('ended_at', ended_at, $source_tz, true),
            ck_count_error('acw_seconds', acw_seconds),
            ck_bool_error('transferred', transferred),
            ck_bool_error('escalated_clinical', escalated_clinical),
            ck_bool_error('resolved', resolved),
            case when answered_ts is not null and ck_blank(agent_id) is null
                then 'agent_id is missing on an accepted chat' end,
            case when answered_ts < offered_ts then 'accepted_at before requested_at' end,
            case when ended_ts < answered_ts then 'ended_at before accepted_at'
                 when ended_ts < offered_ts then 'ended_at before requested_at' end,
            ck_future_error('requested_at', offered_ts, $load_started, $future_hours),
            case when exists (
                    select 1 from contacts c where c.contact_id = contact_id_v and c.channel = 'voice'
                ) then 'chat_id already used by a call' end
        ]) as error
    from typed
),

final as (
    select
        rec_no,
        line_no,
        error,
        contact_id_v as contact_id,
        channel_v as channel,
        ck_pseudonym(patient_ref, $ipad, $opad) as patient_pseudonym,
        ck_blank(queue) as queue,
        ck_blank(reason) as reason,
        ck_blank(agent_id) as agent_id,
        offered_ts as offered_at,
        answered_ts as handled_at,
        ended_ts as ended_at,
        0::integer as hold_seconds,
        coalesce(ck_int(acw_seconds), 0)::integer as acw_seconds,
        coalesce(ck_bool(transferred), false) as transferred,
        coalesce(ck_bool(escalated_clinical), false) as escalated_clinical,
        ck_bool(resolved) as resolved
    from checked
)

select * from final;
