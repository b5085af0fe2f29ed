-- Parsing and checking helpers shared by the staging models. Registered as temporary macros on every loader
-- connection. Each *_error macro returns a message a person can read, or NULL when the value is fine.
-- Messages never quote the value itself: the quarantined row keeps the raw text.

-- Surrounding whitespace is not part of a value: spaces, tabs, line breaks, vertical tabs, form feeds and no-break
-- spaces are trimmed from both ends of every field, the same way for every column (an id with a tab at its end is
-- the same id). Control characters inside an id are refused (ck_id_error), never removed.
-- Every field is trimmed once, by the reader that fills raw_input (staging/read_csv.sql, etl/junk_reader.py, the
-- Python fallback in etl/csv_reader.py, etl/mapping_sql.py), before any check: the macros below take trimmed text.
-- A value whose first and last characters are printable ASCII has nothing to trim and skips trim(x, <list>),
-- which costs about three times a plain trim (issue 11: validation went from 1.6 s to 4.6 s at 95,607 contacts).
-- The last character is x[-1] (a code point), not right(x, 1), which finds the last grapheme at twice the cost.
create or replace temp macro ck_trim(x) as
    case when ascii(x) between 33 and 126 and ascii(x[-1]) between 33 and 126 then x
        else trim(x, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160)) end;

create or replace temp macro ck_blank(x) as nullif(x, '');

create or replace temp macro ck_id_error(name, x) as
    case when regexp_matches(ck_blank(x), '[\x00-\x1f\x7f]')
        then name || ' contains a control character (a tab or line break inside an id)' end;

-- Timestamps are parsed once per column: ck_ts_parts splits ISO 8601 text into its local part (body) and its UTC
-- offset (zone; '' when absent); an empty body means the text is not ISO 8601.
-- The usual shape (seconds, no fraction, no offset) is recognised by a simpler match first, which costs a third of
-- the extraction; it gives the same parts.
create or replace temp macro ck_ts_parts(x) as
    case when regexp_full_match(x, '\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}') then {'body': x, 'zone': ''}
    else regexp_extract(
        x,
        '^(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?)(Z|z|[+-]\d{2}(?::?\d{2})?)?$',
        ['body', 'zone']
    ) end;

create or replace temp macro ck_ts_local(parts) as try_cast(replace(parts.body, ',', '.') as timestamp);

-- the offset in minutes east of UTC, NULL when the text had none
create or replace temp macro ck_ts_offset(parts) as
    case
        when parts.zone = '' then null
        when upper(parts.zone) = 'Z' then 0
        else (case when parts.zone[1] = '-' then -1 else 1 end)
            * (parts.zone[2:3]::integer * 60
               + coalesce(try_cast(nullif(replace(parts.zone[4:], ':', ''), '') as integer), 0))
    end;

-- naive UTC from the local time and offset; without an offset the local time is read in time zone tz
create or replace temp macro ck_ts_utc(local_ts, offset_minutes, tz, tz_is_utc) as
    case
        when local_ts is null then null
        when offset_minutes is not null then local_ts - to_minutes(offset_minutes)
        when tz_is_utc then local_ts
        else timezone('UTC', timezone(tz, local_ts))
    end;

create or replace temp macro ck_ts_error(name, x, local_ts, offset_minutes, tz, tz_has_dst, required) as
    case
        when ck_blank(x) is null then (case when required then name || ' is missing' end)
        when local_ts is null then name || ' is not an ISO 8601 timestamp'
        -- (a parsed timestamp with seven fraction digits has at least 27 characters: shorter ones skip the match)
        when length(x) > 26 and regexp_matches(x, '[.,][0-9]{6}[0-9]*[1-9]')
            then name || ' has a part below a microsecond (not kept)'
        when offset_minutes is not null or not tz_has_dst then null
        when timezone(tz, timezone(tz, local_ts)) <> local_ts
            then name || ' does not exist in ' || tz || ' (daylight-saving gap)'
        when timezone(tz, timezone(tz, local_ts) + interval 1 hour) = local_ts
            or timezone(tz, timezone(tz, local_ts) - interval 1 hour) = local_ts
            then name || ' is ambiguous in ' || tz || ' (daylight-saving overlap)'
    end;

create or replace temp macro ck_bool(x) as
    case
        when lower(x) in ('true', 'yes', 'y', '1') then true
        when lower(x) in ('false', 'no', 'n', '0') then false
    end;

create or replace temp macro ck_bool_error(name, x) as
    case when ck_blank(x) is not null and ck_bool(x) is null
        then name || ' is not a boolean (true/false, yes/no, y/n, 1/0)' end;

-- A whole number: digits with an optional sign (and an optional fraction of zeros, "12.0") that fits the
-- warehouse's integer columns. "12.5" is not read as 12 or 13, and a number too large for the columns is not a
-- failed cast: both are NULL here, so ck_count_error quarantines them with a reason.
create or replace temp macro ck_whole(x) as regexp_full_match(x, '[+-]?[0-9]+([.]0*)?');

create or replace temp macro ck_int(x) as
    case when ck_whole(x) then try_cast(regexp_replace(x, '[.]0*$', '') as integer) end;

-- One of a fixed list of words (any case), or NULL
create or replace temp macro ck_word(x, words) as
    case when list_contains(words, lower(ck_blank(x))) then lower(ck_blank(x)) end;

create or replace temp macro ck_word_error(name, x, words) as
    case when ck_blank(x) is not null and ck_word(x, words) is null
        then name || ' is not one of ' || array_to_string(words, ', ') end;

create or replace temp macro ck_count_error(name, x) as
    case
        when ck_blank(x) is null then null
        when ck_int(x) is null and ck_whole(x) then name || ' is too large'
        when ck_int(x) is null then name || ' is not a whole number'
        when ck_int(x) < 0 then name || ' is negative'
    end;

-- A duration in seconds, to the millisecond: digits with an optional sign and an optional fraction ("12", "12.5",
-- "12.500", "12."), stored exactly as DECIMAL(18,3), at most 999,999,999.999 s (under 32 years: a longer value is a
-- mistake, such as a phone number in the column). A non-zero part below a millisecond ("12.0005") is not rounded
-- and a number written otherwise ("1e3", "12,5") is not guessed at: all are NULL here and quarantined by
-- ck_seconds_error with a reason.
create or replace temp macro ck_seconds_text(x) as regexp_full_match(x, '[+-]?[0-9]+([.][0-9]*)?');

create or replace temp macro ck_sub_millisecond(x) as regexp_matches(x, '[.][0-9]{3}[0-9]*[1-9]');

create or replace temp macro ck_seconds(x) as
    case when ck_seconds_text(x) and not ck_sub_millisecond(x) then try_cast(x as decimal(12, 3))::decimal(18, 3) end;

create or replace temp macro ck_seconds_error(name, x) as
    case
        when ck_blank(x) is null then null
        when ck_seconds(x) >= 0 then null  -- valid (most rows): decided by one parse
        when not ck_seconds_text(x) then name || ' is not a number of seconds (digits, up to 3 decimal places)'
        when ck_sub_millisecond(x) then name || ' has a part below a millisecond (not kept)'
        when ck_seconds(x) is null then name || ' is too large'
        when ck_seconds(x) < 0 then name || ' is negative'
    end;

create or replace temp macro ck_required_error(name, x) as
    case when ck_blank(x) is null then name || ' is missing' end;

create or replace temp macro ck_repeat_error(name, rec_no, last_rec) as
    case when rec_no < last_rec then name || ' repeated in this file (the last occurrence is kept)' end;

create or replace temp macro ck_future_error(name, ts, load_started, tolerance_hours) as
    case when ts > load_started + to_microseconds(cast(tolerance_hours * 3600000000 as bigint))
        then name || ' in the future' end;

-- All the messages of one row (joined with concat_ws, which skips NULLs); NULL when every check passed.
create or replace temp macro ck_errors(joined) as nullif(joined, '');

-- Free text with identifier-like text (MRN-like numbers, phone numbers, e-mail addresses) masked; the pattern is
-- etl/privacy.py's, bound as a parameter.
create or replace temp macro ck_scrub(x, pattern) as regexp_replace(ck_blank(x), pattern, '[redacted]', 'g');

-- HMAC-SHA256 of a patient reference, from the two padded keys (see etl/pseudonym.py).
create or replace temp macro ck_pseudonym(x, ipad, opad) as
    case when ck_blank(x) is not null
        then sha256(opad || unhex(sha256(ipad || encode(x)))) end;

-- Contract v2 (a contact's place in its conversation), shared by stg_calls.sql and stg_chats.sql.
create or replace temp macro ck_direction(x) as ck_word(x, ['inbound', 'outbound', 'callback']);

create or replace temp macro ck_end_reason(x) as ck_word(x, ['abandoned', 'moved', 'callback', 'ivr', 'other']);

create or replace temp macro ck_transfer_type(x) as ck_word(x, ['internal', 'external']);

create or replace temp macro ck_leg_errors(conversation_id, direction, queued, end_reason, transferred,
                                           transfer_type, talk_seconds) as
    nullif(concat_ws('; ',
        ck_id_error('conversation_id', conversation_id),
        ck_word_error('direction', direction, ['inbound', 'outbound', 'callback']),
        ck_bool_error('queued', queued),
        ck_word_error('end_reason', end_reason, ['abandoned', 'moved', 'callback', 'ivr', 'other']),
        ck_word_error('transfer_type', transfer_type, ['internal', 'external']),
        case when ck_transfer_type(transfer_type) is not null and not ck_bool(transferred)
            then 'transfer_type given but transferred is false' end,
        ck_seconds_error('talk_seconds', talk_seconds)
    ), '');

-- transferred: as given, else true when a transfer type is given
create or replace temp macro ck_transferred(transferred, transfer_type) as
    coalesce(ck_bool(transferred), ck_transfer_type(transfer_type) is not null);
