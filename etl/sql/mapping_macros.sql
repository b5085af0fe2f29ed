-- Named scalar functions a mapping's expressions may call (etl/mapping.py registers them on the connection that
-- checks and reads a mapped source). Each takes values of one source row and returns one value; none reads a
-- table. Platforms' nested shapes and duration texts are handled here once, so mappings stay declarative.

-- Genesys Cloud analytics conversation details. A session's metrics are a list of {name, value, emitDate}
-- (durations in milliseconds) and its segments a list of {segmentStart, segmentEnd, segmentType, queueId, ...}.
-- Elements are read through JSON so that a field no element of the file happens to carry (a page without any
-- queueId, say) reads as NULL instead of failing the whole file.
-- The value of one metric, summed if it appears more than once; NULL when absent. Read as a decimal, not a whole
-- number: a value with a fraction is kept (and a duration below a millisecond then quarantined), never rounded.
create or replace temp macro genesys_metric(metrics, metric_name) as
    list_sum([(m ->> 'value')::decimal(38, 9) for m in coalesce(to_json(metrics)::json[], [])
              if (m ->> 'name') = metric_name]);

-- Milliseconds as seconds, exactly (1234 ms -> 1.234 s): the contract keeps durations to the millisecond.
create or replace temp macro ms_seconds(ms) as ms::decimal(38, 9) * 0.001;

-- the earliest segmentStart / latest segmentEnd among a session's segments of one segmentType (any if NULL)
create or replace temp macro genesys_segment_start(segments, segment_type) as
    list_min([(s ->> 'segmentStart')::timestamptz for s in coalesce(to_json(segments)::json[], [])
              if segment_type is null or (s ->> 'segmentType') = segment_type]);

create or replace temp macro genesys_segment_end(segments, segment_type) as
    list_max([(s ->> 'segmentEnd')::timestamptz for s in coalesce(to_json(segments)::json[], [])
              if segment_type is null or (s ->> 'segmentType') = segment_type]);

-- the queue a session's segments name (the first queueId given)
create or replace temp macro genesys_queue_id(segments) as
    [(s ->> 'queueId') for s in coalesce(to_json(segments)::json[], []) if (s ->> 'queueId') is not null][1];

-- whether a participant's sessions include one of a mediaType (an agent's voice session that belongs to a
-- callback sits beside a session of mediaType callback)
create or replace temp macro genesys_has_media(sessions, media_type) as
    coalesce(list_contains([(s ->> 'mediaType') for s in coalesce(to_json(sessions)::json[], [])], media_type),
             false);

-- whether a participant of one of `purposes`, other than participant `me`, joined the conversation at or after
-- `since` (its first segment starts then or later): who came in once an agent was talking tells where the agent's
-- transfer went (an `external` participant: out of the centre; an `acd` or `agent` one: inside it)
create or replace temp macro genesys_joined_after(participants, purposes, since, me) as
    coalesce(list_bool_or([
        list_contains(purposes, p ->> 'purpose') and (p ->> 'participantId') is distinct from me
        and list_min([(g ->> 'segmentStart')::timestamptz
                      for g in flatten([coalesce((x -> 'segments')::json[], [])
                                        for x in coalesce((p -> 'sessions')::json[], [])])]) >= since
        for p in coalesce(to_json(participants)::json[], [])]), false);

-- A duration written h:mm:ss (Five9 and most report exports; hours may exceed 24), with up to three decimals of a
-- second when the export keeps milliseconds (Five9 writes QUEUE WAIT TIME as 00:00:00.235), as seconds in text:
-- whole (`312`) or to the millisecond (`0.235`), exactly. Text of any other shape is returned unchanged, so the
-- contract's check of seconds quarantines it with its reason instead of it turning silently into 0 or NULL.
create or replace temp macro hms_seconds(x) as
    case
        when regexp_full_match(trim(x), '\d+:[0-5]\d:[0-5]\d(\.\d{1,3})?')
            then regexp_replace(((split_part(trim(x), ':', 1)::bigint * 3600
                                  + split_part(trim(x), ':', 2)::bigint * 60)::decimal(18, 3)
                                 + split_part(trim(x), ':', 3)::decimal(18, 3))::varchar, '\.?0+$', '')
        else x
    end;
