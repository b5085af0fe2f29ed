-- The longest conversation's spread over every stored contact (see fact_band.sql), measured after a full rebuild.
-- Only conversations of more than one leg spread, and each has a leg whose conversation_id is not its own id.
delete from conversation_spread;

insert into conversation_spread
select coalesce(max(date_diff('microsecond', first_at, last_at)), 0)
from (
    select min(offered_at) as first_at, max(offered_at) as last_at
    from contacts
    semi join (select distinct conversation_id from contacts where conversation_id <> contact_id) using (conversation_id)
    group by conversation_id
);
