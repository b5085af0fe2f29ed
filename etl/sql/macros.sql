-- Parsing and checking helpers shared by the staging models. Registered as temporary macros on every loader
-- connection. Each *_error macro returns a message a person can read, or NULL when the value is fine.
-- Messages never quote the value itself: the quarantined row keeps the raw text.

create or replace temp macro ck_blank(x) as nullif(trim(x), '');

-- Timestamps are parsed once per column: ck_ts_parts splits ISO 8601 text into its local part (body) and its UTC
-- offset (zone; '' when absent); an empty body means the text is not ISO 8601.
create or replace temp macro ck_ts_parts(x) as
    regexp_extract(
        trim(x),
        '^(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?)(Z|z|[+-]\d{2}(?::?\d{2})?)?$',
        ['body', 'zone']
    );

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
        when offset_minutes is not null or not tz_has_dst then null
        when timezone(tz, timezone(tz, local_ts)) <> local_ts
            then name || ' does not exist in ' || tz || ' (daylight-saving gap)'
        when timezone(tz, timezone(tz, local_ts) + interval 1 hour) = local_ts
            or timezone(tz, timezone(tz, local_ts) - interval 1 hour) = local_ts
            then name || ' is ambiguous in ' || tz || ' (daylight-saving overlap)'
    end;

create or replace temp macro ck_bool(x) as
    case
        when lower(trim(x)) in ('true', 'yes', 'y', '1') then true
        when lower(trim(x)) in ('false', 'no', 'n', '0') then false
    end;

create or replace temp macro ck_bool_error(name, x) as
    case when ck_blank(x) is not null and ck_bool(x) is null
        then name || ' is not a boolean (true/false, yes/no, y/n, 1/0)' end;

-- a whole number that fits the warehouse's integer columns (NULL otherwise: quarantined, never a failed cast)
create or replace temp macro ck_int(x) as try_cast(trim(x) as integer);

create or replace temp macro ck_count_error(name, x) as
    case
        when ck_blank(x) is null then null
        when ck_int(x) is null and try_cast(trim(x) as hugeint) is not null then name || ' is too large'
        when ck_int(x) is null then name || ' is not a whole number'
        when ck_int(x) < 0 then name || ' is negative'
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
        then sha256(opad || unhex(sha256(ipad || encode(trim(x))))) end;
