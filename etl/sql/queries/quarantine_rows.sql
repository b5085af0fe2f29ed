-- The most recent quarantined rows: the allow-listed typed columns only (etl/quarantine.py); never raw text.
select columns(lambda c: c not in ('raw_text', 'kind'))
from quarantine
order by load_id desc, file, line_no
limit $limit;
