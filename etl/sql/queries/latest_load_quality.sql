-- The latest load's rows read and quarantined over all its files, for the quarantine notice.
select
    l.load_id,
    l.finished_at,
    coalesce(sum(f.rows_read), 0) as rows_read,
    coalesce(sum(f.quarantined), 0) as quarantined
from loads l
left join load_files f using (load_id)
where l.load_id = (select max(load_id) from loads)
group by all;
