-- coaching_sessions.csv -> one typed coaching session per row. The topic must be a compared KPI or a QA item
-- ($coaching_topics); trainer and notes are scrubbed of identifier-like text. An agent not in the roster is kept
-- (the roster may arrive later), like contacts.
-- Ids used by more than one row come from temp table repeated_keys (etl/staging.py).
create or replace temp table staged as
with typed as (
    select
        r.*,
        rep.last_rec,
        try_cast(r."date" as date) as date_v,
        lower(ck_blank(r.topic)) as topic_v
    from raw_input r
    left join repeated_keys rep on rep.id = ck_blank(r.session_id)
),

checked as (
    select
        *,
        ck_errors(concat_ws('; ',
            ck_required_error('session_id', session_id),
            ck_repeat_error('session_id', rec_no, last_rec),
            ck_required_error('agent_id', agent_id),
            ck_required_error('date', "date"),
            case when ck_blank("date") is not null and date_v is null then 'date is not a date (YYYY-MM-DD)' end,
            case when date_v > $load_started::date + to_days(1) then 'date in the future' end,
            ck_required_error('topic', topic),
            case when topic_v is not null and not list_contains($coaching_topics::varchar[], topic_v)
                then 'topic is not a compared KPI or QA item' end
        )) as error
    from typed
),

final as (
    select
        rec_no,
        line_no,
        error,
        ck_blank(session_id) as session_id,
        ck_blank(agent_id) as agent_id,
        date_v as session_date,
        topic_v as topic,
        ck_scrub(trainer, $identifier_pattern) as trainer,
        ck_scrub(notes, $identifier_pattern) as notes
    from checked
)

select * from final;
