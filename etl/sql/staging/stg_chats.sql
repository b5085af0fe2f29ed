-- chats.csv -> one typed contact per row (channel chat unless given), every broken rule named in `error`.
-- Input: temp table raw_input (rec_no, line_no, every contract column as text). Each timestamp is parsed once.
-- Ids used by more than one row come from temp table repeated_keys (etl/staging.py).

-- The stored contacts with an id this file holds (valid or not), found by reading the stored ids alone: the ids
-- another channel already uses (collisions below) and the rows a re-delivery replaces (merge_contacts.sql, which
-- then reads whole rows of those alone; at 50 million stored contacts this read of the ids takes about 1.5 s, and
-- the whole rows' read it saves as much again).
create or replace temp table stored_ids as
select c.contact_id, c.channel, c.offered_at
from contacts c
semi join raw_input k on ck_blank(k.chat_id) = c.contact_id;

create or replace temp table staged as
with split as (
    select
        r.*,
        ck_blank(r.chat_id) as contact_id_v,
        coalesce(lower(ck_blank(r.channel)), 'chat') as channel_v,
        rep.last_rec,
        ck_ts_parts(r.requested_at) as offered_p,
        ck_ts_parts(r.accepted_at) as answered_p,
        ck_ts_parts(r.ended_at) as ended_p
    from raw_input r
    left join repeated_keys rep on rep.id = ck_blank(r.chat_id)
),

parsed as (
    select
        *,
        ck_ts_local(offered_p) as offered_l, ck_ts_offset(offered_p) as offered_z,
        ck_ts_local(answered_p) as answered_l, ck_ts_offset(answered_p) as answered_z,
        ck_ts_local(ended_p) as ended_l, ck_ts_offset(ended_p) as ended_z
    from split
),

typed as (
    select
        *,
        ck_ts_utc(offered_l, offered_z, $source_tz, $source_is_utc) as offered_ts,
        ck_ts_utc(answered_l, answered_z, $source_tz, $source_is_utc) as answered_ts,
        ck_ts_utc(ended_l, ended_z, $source_tz, $source_is_utc) as ended_ts
    from parsed
),

checked as (
    select
        *,
        ck_errors(concat_ws('; ',
            ck_required_error('chat_id', chat_id),
            ck_id_error('chat_id', chat_id),
            ck_id_error('patient_ref', patient_ref),
            ck_id_error('queue', queue),
            ck_id_error('agent_id', agent_id),
            ck_leg_errors(conversation_id, direction, queued, end_reason, transferred, transfer_type, talk_seconds),
            ck_repeat_error('chat_id', rec_no, last_rec),
            ck_required_error('queue', queue),
            case when channel_v = 'voice' then 'channel voice belongs in calls.csv' end,
            ck_ts_error('requested_at', requested_at, offered_l, offered_z, $source_tz, $source_has_dst, true),
            ck_ts_error('accepted_at', accepted_at, answered_l, answered_z, $source_tz, $source_has_dst, false),
            ck_ts_error('ended_at', ended_at, ended_l, ended_z, $source_tz, $source_has_dst, true),
            ck_seconds_error('acw_seconds', acw_seconds),
            ck_bool_error('transferred', transferred),
            ck_bool_error('escalated_clinical', escalated_clinical),
            ck_bool_error('resolved', resolved),
            case when answered_ts is not null and ck_blank(agent_id) is null
                then 'agent_id is missing on an accepted chat' end,
            case when answered_ts < offered_ts then 'accepted_at before requested_at' end,
            case when ended_ts < answered_ts then 'ended_at before accepted_at'
                 when ended_ts < offered_ts then 'ended_at before requested_at' end,
            ck_future_error('requested_at', offered_ts, $load_started, $future_hours)
        )) as error
    from typed
),

collisions as (
    -- a chat id already used by a stored call
    select contact_id from stored_ids where channel = 'voice'
),

final as (
    select
        rec_no,
        line_no,
        case when contact_id_v in (select contact_id from collisions)
            then ck_errors(concat_ws('; ', error, 'chat_id already used by a call')) else error end as error,
        contact_id_v as contact_id,
        channel_v as channel,
        ck_pseudonym(patient_ref, $ipad, $opad) as patient_pseudonym,
        ck_blank(queue) as queue,
        case when rec_no in (select rec_no from patient_named) then '[redacted]'
            else ck_scrub(reason, $identifier_pattern) end as reason,
        ck_blank(agent_id) as agent_id,
        offered_ts as offered_at,
        answered_ts as handled_at,
        ended_ts as ended_at,
        0::decimal(18, 3) as hold_seconds,
        coalesce(ck_seconds(acw_seconds), 0) as acw_seconds,
        ck_transferred(transferred, transfer_type) as transferred,
        coalesce(ck_bool(escalated_clinical), false) as escalated_clinical,
        ck_bool(resolved) as resolved,
        coalesce(ck_blank(conversation_id), contact_id_v) as conversation_id,
        coalesce(ck_direction(direction), 'inbound') as direction,
        coalesce(ck_bool(queued), true) as queued,
        coalesce(ck_end_reason(end_reason), case when answered_ts is null then 'abandoned' end) as end_reason,
        case when ck_transferred(transferred, transfer_type)
            then coalesce(ck_transfer_type(transfer_type), 'internal') end as transfer_type,
        ck_seconds(talk_seconds) as talk_seconds
    from checked
)

select * from final;
