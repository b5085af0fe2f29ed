-- One step of closing the incremental scope (see fact_scope.sql); load.py repeats it until both inserts add
-- nothing, then fact_scope.sql's contacts are every leg of the scoped conversations.
insert into scope_conversations
select distinct c.conversation_id
from fact_source c
semi join scope_patients p on p.patient_pseudonym = c.patient_pseudonym
anti join scope_conversations s on s.conversation_id = c.conversation_id;

insert into scope_patients
select distinct c.patient_pseudonym
from fact_source c
semi join scope_conversations s on s.conversation_id = c.conversation_id
anti join scope_patients p on p.patient_pseudonym = c.patient_pseudonym
where c.patient_pseudonym is not null;
