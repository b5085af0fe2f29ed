-- agents.csv -> the roster, one typed agent per row.
create or replace temp table staged as
with typed as (
    select
        raw_input.*,
        ck_blank(agent_id) as agent_id_v,
        count(*) over (partition by ck_blank(agent_id)) as id_count,
        max(rec_no) over (partition by ck_blank(agent_id)) as id_last_rec
    from raw_input
),

checked as (
    select
        *,
        ck_errors([
            ck_required_error('agent_id', agent_id),
            case when agent_id_v is not null and rec_no < id_last_rec
                then ck_repeat_error('agent_id', id_count) end,
            ck_required_error('team', team),
            ck_required_error('site', site),
            ck_required_error('partner', partner),
            ck_bool_error('licensed', licensed),
            case when ck_blank(hire_date) is not null and try_cast(trim(hire_date) as date) is null
                then 'hire_date is not a date (YYYY-MM-DD)' end
        ]) as error
    from typed
),

final as (
    select
        rec_no,
        line_no,
        error,
        agent_id_v as agent_id,
        ck_blank(agent_name) as agent_name,
        ck_blank(team) as team,
        ck_blank(site) as site,
        ck_blank(partner) as partner,
        coalesce(ck_bool(licensed), false) as licensed,
        try_cast(trim(hire_date) as date) as hire_date
    from checked
)

select * from final;
