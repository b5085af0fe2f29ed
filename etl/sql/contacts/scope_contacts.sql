-- The contacts an incremental load recomputes: every leg of the closed scope's conversations (empty in a full
-- rebuild).
create or replace temp table fact_scope as
select c.contact_id
from fact_source c
semi join scope_conversations s on s.conversation_id = c.conversation_id;
