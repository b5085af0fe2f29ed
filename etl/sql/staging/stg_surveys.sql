-- surveys.csv -> one typed response per row. A survey whose contact has not arrived is kept (matched later).
create or replace temp table staged as
with typed as (
    select
        raw_input.*,
        ck_blank(survey_id) as survey_id_v,
        ck_int(csat) as csat_v,
        ck_ts(responded_at, $source_tz) as responded_ts,
        count(*) over (partition by ck_blank(survey_id)) as id_count,
        max(rec_no) over (partition by ck_blank(survey_id)) as id_last_rec
    from raw_input
),

checked as (
    select
        *,
        ck_errors([
            ck_required_error('survey_id', survey_id),
            case when survey_id_v is not null and rec_no < id_last_rec
                then ck_repeat_error('survey_id', id_count) end,
            ck_required_error('contact_id', contact_id),
            ck_required_error('csat', csat),
            case when ck_blank(csat) is not null and csat_v is null then 'csat is not a whole number'
                 when csat_v not between 1 and 5 then 'csat ' || csat_v || ' not in 1..5' end,
            ck_ts_error('responded_at', responded_at, $source_tz, false),
            ck_future_error('responded_at', responded_ts, $load_started, $future_hours)
        ]) as error
    from typed
),

final as (
    select
        rec_no,
        line_no,
        error,
        survey_id_v as survey_id,
        ck_blank(contact_id) as contact_id,
        responded_ts as responded_at,
        csat_v::tinyint as csat
    from checked
)

select * from final;
