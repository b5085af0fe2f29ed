-- When the parser rejected some lines, parsed records sit on the lines it did not reject: the k-th parsed
-- record is on the k-th unrejected line after the header (one record per line assumed).
create or replace temp table line_map as
with lines as (
    select t.l as line_no
    from range(2, $last_line + 1) t(l)
    anti join ck_reject_errors e on e.line = t.l
)

select line_no, row_number() over (order by line_no) as rec_no from lines;

update raw_input
set line_no = line_map.line_no
from line_map
where raw_input.rec_no = line_map.rec_no;
