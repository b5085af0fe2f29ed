-- Rows quarantined by file and reason, over all loads.
select file, kind, reason, count(*) as rows, max(load_id) as last_load_id
from quarantine
group by all
order by rows desc, file, reason;
