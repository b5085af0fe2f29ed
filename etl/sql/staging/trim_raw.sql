-- Trim every contract field of raw_input once (ck_trim: spaces, tabs, line breaks, vertical tabs, form feeds and
-- no-break spaces at both ends), so that every check of the staging models reads the trimmed value and none trims
-- again. rec_no, line_no and the reader's own columns (named _...: raw text, rule reasons, extra columns) are kept
-- as they are.
create or replace temp table raw_input as
select
    columns(lambda c: c in ('rec_no', 'line_no') or starts_with(c, '_')),
    ck_trim(columns(lambda c: c not in ('rec_no', 'line_no') and not starts_with(c, '_')))
from raw_input;
