-- Incremental: the contacts whose recomputed facts are kept, every leg of the scoped conversations starting in the
-- band's zone (fact_band.sql); the others in scope were read only to compute these, and may be cut off at the
-- band's edges.
create or replace temp table write_scope as
select contact_id
from (
    select c.contact_id, min(c.offered_at) over (partition by c.conversation_id) as started_at
    from fact_source c
    semi join scope_conversations s on s.conversation_id = c.conversation_id
)
where started_at between (select zone_lo from fact_band) and (select zone_hi from fact_band);
