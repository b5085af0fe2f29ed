-- surveys.csv -> one typed response per row. A survey whose contact has not arrived is kept (matched later).
-- Ids used by more than one row come from temp table repeated_keys (etl/staging.py).
create or replace temp table staged as
with parsed as (
    select
        r.*,
        rep.last_rec,
        ck_int(r.csat) as csat_v,
        ck_ts_local(ck_ts_parts(r.responded_at)) as responded_l,
        ck_ts_offset(ck_ts_parts(r.responded_at)) as responded_z
    from raw_input r
    left join repeated_keys rep on rep.id = ck_blank(r.survey_id)
),

checked as (
    select
        *,
        ck_ts_utc(responded_l, responded_z, $source_tz, $source_is_utc) as responded_ts,
        ck_errors(concat_ws('; ',
            ck_required_error('survey_id', survey_id),
            ck_id_error('survey_id', survey_id),
            ck_id_error('contact_id', contact_id),
            ck_repeat_error('survey_id', rec_no, last_rec),
            ck_required_error('contact_id', contact_id),
            ck_required_error('csat', csat),
            case when ck_blank(csat) is not null and csat_v is null then 'csat is not a whole number'
                 when csat_v not between 1 and 5 then 'csat ' || csat_v || ' not in 1..5' end,
            ck_ts_error('responded_at', responded_at, responded_l, responded_z, $source_tz, $source_has_dst, false),
            ck_future_error('responded_at', ck_ts_utc(responded_l, responded_z, $source_tz, $source_is_utc),
                            $load_started, $future_hours)
        )) as error
    from parsed
),

final as (
    select
        rec_no,
        line_no,
        error,
        ck_blank(survey_id) as survey_id,
        ck_blank(contact_id) as contact_id,
        responded_ts as responded_at,
        csat_v::tinyint as csat
    from checked
)

select * from final;
