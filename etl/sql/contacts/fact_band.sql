-- Incremental loads: which stretch of time's facts this load can change (the zone), and which stretch of stored
-- contacts computing them needs (the band); etl/load.py then reads only the band's day partitions of the table
-- store (docs/storage.md, "What an incremental load reads").
--
-- With W the FCR window and S the longest conversation's spread (conversation_spread, every leg within S of its
-- conversation's start):
-- - a conversation's facts depend on its own legs (all within [start, start + S]), the horizon, and the patient's
--   conversations starting in (start, start + W] (their legs within start + W + S);
-- - so a change at time t (a new, re-delivered or moved leg, old or new place) can change the facts of the
--   conversations starting in [t - W, t] only, and a horizon moving from h0 to h1 those starting in (h0 - W, h1 - W];
-- - facts computed from every contact offered in [zone_lo - S, zone_hi + W + S] are exact for every conversation
--   starting in [zone_lo, zone_hi]: those cut off at the band's edges start before zone_lo or after zone_hi + W.
-- The touched conversations' legs are searched in the whole history (a new leg may join a conversation of any day),
-- so S stays a true bound: it grows with the conversations this load touched.
--
-- A read of the stored facts (every stored contact has one, with its conversation, time and day; the facts are
-- not yet changed) finds the stored legs of the touched conversations and the days of the contacts whose surveys or
-- QA results changed (day_scope.sql). A contact this load delivered has its stored versions among its
-- conversation's legs (or its old conversation's, which is touched too), so only the other feedback's contacts are
-- looked up by id: a second read, which DuckDB skips when there are none (2 s of a 50-million-contact day).
create or replace temp table touched_conversation_ids as
select conversation_id from touched_conversations
union
select conversation_id from contacts_added;

create or replace temp table feedback_elsewhere as
select contact_id from touched_feedback
anti join contacts_added using (contact_id);

-- (first by the stored conversation ids alone, then the whole legs from the days that hold one: a read of every
-- stored conversation id, about 1.3 s less at 50 million stored facts than reading the legs' four columns)
create or replace temp table touched_stored_days as
select distinct conversation_id, day
from contact_facts
where conversation_id in (select conversation_id from touched_conversation_ids);

create or replace temp table touched_stored as
select f.contact_id, f.conversation_id, f.offered_at, f.day, true as in_touched_conversation
from contact_facts f
semi join touched_stored_days k on k.conversation_id = f.conversation_id and k.day = f.day;

insert into touched_stored
select f.contact_id, f.conversation_id, f.offered_at, f.day, false as in_touched_conversation
from contact_facts f
semi join feedback_elsewhere e on e.contact_id = f.contact_id
anti join touched_conversation_ids t on t.conversation_id = f.conversation_id;

-- every leg, now, of the touched conversations: the stored ones not dropped by this load, and the added ones
create or replace temp table touched_legs as
select conversation_id, offered_at
from touched_stored
where in_touched_conversation and contact_id not in (select contact_id from contacts_dropped)
union all
select conversation_id, offered_at
from contacts_added;

create or replace temp table fact_band as
with times as (
    select offered_at from touched_legs
    union all
    select offered_at from replaced_contacts
),

spread as (
    select greatest(coalesce($stored_spread::bigint, 0), coalesce(max(date_diff('microsecond', first_at, last_at)), 0))
        as spread_us
    from (
        select min(offered_at) as first_at, max(offered_at) as last_at
        from touched_legs
        group by conversation_id
    )
),

moved as (
    -- the horizon's move: the conversations whose FCR window closes with it
    select
        case when h.horizon_at > $old_horizon::timestamp
            then $old_horizon::timestamp - to_hours(p.fcr_window_hours) end as closing_from,
        case when h.horizon_at > $old_horizon::timestamp
            then h.horizon_at - to_hours(p.fcr_window_hours) end as closing_to
    from build_horizon h
    cross join build_params p
),

zone as (
    select
        least((select min(offered_at) from times) - to_hours(p.fcr_window_hours), m.closing_from) as zone_lo,
        greatest((select max(offered_at) from times), m.closing_to) as zone_hi,
        p.fcr_window_hours
    from build_params p
    cross join moved m
)

select
    z.zone_lo,
    z.zone_hi,
    z.zone_lo - to_microseconds(s.spread_us) as data_lo,
    z.zone_hi + to_hours(z.fcr_window_hours) + to_microseconds(s.spread_us) as data_hi,
    s.spread_us
from zone z
cross join spread s;

-- the band's UTC days: the day partitions of contacts and contact facts the incremental facts read
create or replace temp table fact_band_days as
select strftime(unnest(generate_series(data_lo::date::timestamp, data_hi::date::timestamp, interval 1 day)),
                '%Y-%m-%d') as day
from fact_band
where data_lo is not null;
