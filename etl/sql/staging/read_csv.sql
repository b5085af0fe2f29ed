-- Read one delivery file as text, in file order, with DuckDB's own CSV reader, every field trimmed (ck_trim) as
-- it is read. Rows the parser cannot split (too many or too few fields, broken quotes, invalid UTF-8, over-long
-- lines) go to the rejects tables.
drop table if exists ck_reject_errors;

drop table if exists ck_reject_scans;

create or replace temp table raw_input as
select
    row_number() over () as rec_no,
    rec_no + 1 as line_no,
    ck_trim(columns(*))
from read_csv(
    $path,
    header = true,
    columns = $columns,
    auto_detect = false,
    delim = ',',
    quote = '"',
    escape = '"',
    store_rejects = true,
    rejects_table = 'ck_reject_errors',
    rejects_scan = 'ck_reject_scans'
);
