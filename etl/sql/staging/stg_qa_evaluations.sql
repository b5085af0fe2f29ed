-- qa_evaluations.csv -> one typed item result per row. All rows of an evaluation must name one contact_id,
-- otherwise the whole evaluation is quarantined. Items outside the catalogue are loaded (and reported).
create or replace temp table staged as
with typed as (
    select
        raw_input.*,
        ck_blank(evaluation_id) as evaluation_id_v,
        lower(ck_blank(item)) as item_v,
        lower(ck_blank(result)) as result_v,
        ck_ts(evaluated_at, $source_tz) as evaluated_ts,
        count(*) over (partition by ck_blank(evaluation_id), lower(ck_blank(item))) as id_count,
        max(rec_no) over (partition by ck_blank(evaluation_id), lower(ck_blank(item))) as id_last_rec,
        count(distinct ck_blank(contact_id)) over (partition by ck_blank(evaluation_id)) as contacts_in_evaluation
    from raw_input
),

checked as (
    select
        *,
        ck_errors([
            ck_required_error('evaluation_id', evaluation_id),
            ck_required_error('contact_id', contact_id),
            ck_required_error('item', item),
            case when evaluation_id_v is not null and item_v is not null and rec_no < id_last_rec
                then 'item repeated in this evaluation in this file (the last occurrence is kept)' end,
            case when evaluation_id_v is not null and contacts_in_evaluation > 1
                then 'evaluation names more than one contact_id (whole evaluation quarantined)' end,
            ck_required_error('result', result),
            case when result_v not in ('pass', 'fail', 'na') then 'result is not pass, fail or na' end,
            ck_ts_error('evaluated_at', evaluated_at, $source_tz, false),
            ck_future_error('evaluated_at', evaluated_ts, $load_started, $future_hours)
        ]) as error
    from typed
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
        ck_blank(evaluator) as evaluator,
        result_v as result
    from checked
)

select * from final;
