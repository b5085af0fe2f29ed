-- The contact facts per reporting day, to size the full rebuild's batches of days (replace_hourly.sql).
select day, count(*) as facts
from contact_facts
group by day
order by day
