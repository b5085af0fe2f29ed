-- The ids used by more than one row of the file, each with its last record (the row that is kept), for the
-- `repeated` join of stg_<table>.sql. Input: temp table staging_keys (id, rec_no), from staging/keys/<table>.sql.
-- Run once per slice of the ids ($slice of $slices, by hash) so that each grouping fits the memory limit.
insert into repeated_keys
select id, max(rec_no) as last_rec
from staging_keys
where hash(id) % $slices = $slice
group by id
having count(*) > 1;
