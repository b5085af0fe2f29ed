-- Parsing and checking helpers shared by the staging models. Registered as temporary macros on every loader
-- connection. Each *_error macro returns a message a person can read, or NULL when the value is fine.
-- Messages never quote the value itself: the quarantined row keeps the raw text.

create or replace temp macro ck_blank(x) as nullif(trim(x), '');

create or replace temp macro ck_iso_ok(x) as
    regexp_full_match(trim(x), '\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)?)?');

create or replace temp macro ck_has_offset(x) as
    regexp_matches(trim(x), '[T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)$');

create or replace temp macro ck_local(x) as try_cast(replace(trim(x), ',', '.') as timestamp);

create or replace temp macro ck_zoned(x) as try_cast(replace(trim(x), ',', '.') as timestamptz);

-- A timestamp as naive UTC: with an offset it is converted, without one it is read in time zone tz.
create or replace temp macro ck_ts(x, tz) as
    case
        when ck_blank(x) is null or not ck_iso_ok(x) then null
        when ck_has_offset(x) then timezone('UTC', ck_zoned(x))
        else timezone('UTC', timezone(tz, ck_local(x)))
    end;

create or replace temp macro ck_ts_error(name, x, tz, required) as
    case
        when ck_blank(x) is null then (case when required then name || ' is missing' end)
        when not ck_iso_ok(x)
            or (ck_has_offset(x) and ck_zoned(x) is null)
            or (not ck_has_offset(x) and ck_local(x) is null)
            then name || ' is not an ISO 8601 timestamp'
        when ck_has_offset(x) then null
        when timezone(tz, timezone(tz, ck_local(x))) <> ck_local(x)
            then name || ' does not exist in ' || tz || ' (daylight-saving gap)'
        when timezone(tz, timezone(tz, ck_local(x)) + interval 1 hour) = ck_local(x)
            or timezone(tz, timezone(tz, ck_local(x)) - interval 1 hour) = ck_local(x)
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

create or replace temp macro ck_int(x) as try_cast(trim(x) as bigint);

create or replace temp macro ck_count_error(name, x) as
    case
        when ck_blank(x) is null then null
        when ck_int(x) is null then name || ' is not a whole number'
        when ck_int(x) < 0 then name || ' is negative'
    end;

create or replace temp macro ck_required_error(name, x) as
    case when ck_blank(x) is null then name || ' is missing' end;

create or replace temp macro ck_repeat_error(name, n) as
    case when n > 1 then name || ' repeated in this file (the last occurrence is kept)' end;

create or replace temp macro ck_future_error(name, ts, load_started, tolerance_hours) as
    case when ts > load_started + to_microseconds(cast(tolerance_hours * 3600000000 as bigint))
        then name || ' in the future' end;

-- All the messages of one row, joined; NULL when every check passed.
create or replace temp macro ck_errors(messages) as
    nullif(array_to_string(list_filter(messages, lambda m: m is not null), '; '), '');

-- HMAC-SHA256 of a patient reference, from the two padded keys (see etl/pseudonym.py).
create or replace temp macro ck_pseudonym(x, ipad, opad) as
    case when ck_blank(x) is not null
        then sha256(opad || unhex(sha256(ipad || encode(trim(x))))) end;
