-- qa_evaluations.csv -> one typed item result per row. All rows of an evaluation must name one contact_id,
-- otherwise the whole evaluation is quarantined. Items outside the catalogue are loaded (and reported).
create or replace temp table staged as
with repeated as (
    select ck_blank(evaluation_id) as id, lower(ck_blank(item)) as item, max(rec_no) as last_rec
    from raw_input
    group by 1, 2
    having count(*) > 1
),

mixed as (
    -- evaluations whose rows name more than one contact
    select ck_blank(evaluation_id) as id
    from raw_input
    group by 1
    having count(distinct ck_blank(contact_id)) > 1
),

parsed as (
    select
        r.*,
        ck_blank(r.evaluation_id) as evaluation_id_v,
        lower(ck_blank(r.item)) as item_v,
        lower(ck_blank(r.result)) as result_v,
        rep.last_rec,
        m.id is not null as mixed_contacts,
        ck_ts_local(ck_ts_parts(r.evaluated_at)) as evaluated_l,
        ck_ts_offset(ck_ts_parts(r.evaluated_at)) as evaluated_z
    from raw_input r
    left join repeated rep on rep.id = ck_blank(r.evaluation_id) and rep.item = lower(ck_blank(r.item))
    left join mixed m on m.id = ck_blank(r.evaluation_id)
),

checked as (
    select
        *,
        ck_ts_utc(evaluated_l, evaluated_z, $source_tz, $source_is_utc) as evaluated_ts,
        ck_errors(concat_ws('; ',
            ck_required_error('evaluation_id', evaluation_id),
            ck_id_error('evaluation_id', evaluation_id),
            ck_id_error('contact_id', contact_id),
            ck_required_error('contact_id', contact_id),
            ck_required_error('item', item),
            case when rec_no < last_rec
                then 'item repeated in this evaluation in this file (the last occurrence is kept)' end,
            case when evaluation_id_v is not null and mixed_contacts
                then 'evaluation names more than one contact_id (whole evaluation quarantined)' end,
            ck_required_error('result', result),
            case when result_v not in ('pass', 'fail', 'na') then 'result is not pass, fail or na' end,
            ck_ts_error('evaluated_at', evaluated_at, evaluated_l, evaluated_z, $source_tz, $source_has_dst, false),
            ck_future_error('evaluated_at', ck_ts_utc(evaluated_l, evaluated_z, $source_tz, $source_is_utc),
                            $load_started, $future_hours)
        )) as error
    from parsed
),

final as (
    select
        rec_no,
        line_no,
        error,
        evaluation_id_v as evaluation_id,
        item_v as item,
        ck_blank(contact_id) as contact_id,
        evaluated_ts as evaluated_at,
        ck_scrub(evaluator, $identifier_pattern) as evaluator,
        result_v as result
    from checked
)

select * from final;
