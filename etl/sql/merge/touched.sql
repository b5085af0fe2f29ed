-- What a load touches, so contact_facts and the marts are recomputed only where the new data can change them.
create or replace temp table touched_contacts (contact_id varchar);

create or replace temp table touched_patients (patient_pseudonym varchar);

-- the conversations re-delivered contacts belonged to before (their other legs must be recomputed too)
create or replace temp table touched_conversations (conversation_id varchar);

create or replace temp table touched_feedback (contact_id varchar);

-- the offered times of the stored contacts a re-delivery replaces (their old versions' place in time)
create or replace temp table touched_offered (offered_at timestamp);
