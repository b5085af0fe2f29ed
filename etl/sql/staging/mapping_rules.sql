-- A mapped source's rules: a row a rule matched is quarantined with the rule's reason alone (the rule says why it
-- is kept apart; what else might be wrong with it does not matter).
update staged
set error = r._rule_reason
from raw_input r
where r.rec_no = staged.rec_no and r._rule_reason is not null;

-- [dedupe]: the version of each contact now loaded is remembered, so an older copy delivered later is quarantined
-- (etl/mapping_sql.py compares with it). Only valid rows advance the stored version.
create table if not exists mapping_versions (dedupe_key varchar primary key, version timestamptz);

insert or replace into mapping_versions
select r._dedupe_key, r._version
from raw_input r
join staged s using (rec_no)
where s.error is null and r._dedupe_key is not null and r._version is not null;
