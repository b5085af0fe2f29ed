-- How fresh the warehouse is: the last load, the latest contact (the FCR horizon) and the data's first day.
select
    (select max(finished_at) from loads) as last_load_at,
    (select max(offered_at) from contacts) as latest_contact_at,
    (select min(day) from kpi_grain) as first_day,
    (select max(day) from kpi_grain) as last_day;
