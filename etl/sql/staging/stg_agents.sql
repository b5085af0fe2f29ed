-- agents.csv -> the roster, one typed agent per row.
-- Ids used by more than one row come from temp table repeated_keys (etl/staging.py).
create or replace temp table staged as
with typed as (
    select
        r.*,
        ck_blank(r.agent_id) as agent_id_v,
        rep.last_rec
    from raw_input r
    left join repeated_keys rep on rep.id = ck_blank(r.agent_id)
),

checked as (
    select
        *,
        ck_errors(concat_ws('; ',
            ck_required_error('agent_id', agent_id),
            ck_id_error('agent_id', agent_id),
            ck_repeat_error('agent_id', rec_no, last_rec),
            ck_required_error('team', team),
            ck_required_error('site', site),
            ck_required_error('partner', partner),
            ck_bool_error('licensed', licensed),
            case when ck_blank(hire_date) is not null and try_cast(hire_date as date) is null
                then 'hire_date is not a date (YYYY-MM-DD)' end
        )) as error
    from typed
),

final as (
    select
        rec_no,
        line_no,
        error,
        agent_id_v as agent_id,
        ck_scrub(agent_name, $identifier_pattern) as agent_name,
        ck_blank(team) as team,
        ck_blank(site) as site,
        ck_blank(partner) as partner,
        coalesce(ck_bool(licensed), false) as licensed,
        try_cast(hire_date as date) as hire_date
    from checked
)

select * from final;
