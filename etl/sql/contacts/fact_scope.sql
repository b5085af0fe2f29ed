-- Which contacts an incremental load must recompute: every leg of every conversation of a patient the load touched,
-- the touched contacts' conversations (and the conversations re-delivered contacts left), and the conversations
-- whose FCR window closes because the horizon moved from $old_horizon to the new latest offered_at. The seeds are
-- closed by scope_closure.sql (run until it adds nothing): a scoped patient brings all their conversations, a
-- scoped conversation brings the patients of all its legs. In a full rebuild every scope is empty (everything is
-- recomputed). All of it reads fact_source: in an incremental load only the contacts of the band's days
-- (fact_band.sql), where every conversation the load can change is found with all it depends on.
create or replace temp table horizon_band as
select contact_id, patient_pseudonym, conversation_id
from fact_source
where not $full_rebuild
  and offered_at > $old_horizon::timestamp - to_hours($fcr_window_hours::bigint)
  and offered_at <= (select horizon_at from build_horizon) - to_hours($fcr_window_hours::bigint);

create or replace temp table scope_patients as
select patient_pseudonym from touched_patients where not $full_rebuild
union
select c.patient_pseudonym
from fact_source c semi join touched_contacts t on t.contact_id = c.contact_id
where not $full_rebuild and c.patient_pseudonym is not null
union
select patient_pseudonym from horizon_band where patient_pseudonym is not null;

create or replace temp table scope_conversations as
select conversation_id from touched_conversations where not $full_rebuild
union
select c.conversation_id
from fact_source c semi join touched_contacts t on t.contact_id = c.contact_id
where not $full_rebuild
union
select conversation_id from horizon_band;

-- the days whose marts must be recomputed (filled by day_scope.sql and merge_facts.sql when incremental)
create or replace temp table day_scope (day date);
