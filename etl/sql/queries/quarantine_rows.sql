-- The most recent quarantined rows (patient references are already masked at load).
select load_id, file, line_no, reason, raw_text
from quarantine
order by load_id desc, file, line_no
limit $limit;
