-- Every load with, per file, rows read, loaded, replaced and quarantined.
select
    l.load_id,
    l.started_at,
    l.finished_at,
    f.file,
    f.kind,
    f.rows_read,
    f.loaded,
    f.replaced,
    f.quarantined
from loads l
join load_files f using (load_id)
order by l.load_id desc, f.file;
