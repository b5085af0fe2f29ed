-- What a load touches, so contact_facts and the marts are recomputed only where the new data can change them.
create or replace temp table touched_contacts (contact_id varchar);

create or replace temp table touched_patients (patient_pseudonym varchar);

-- the conversations re-delivered contacts belonged to before (their other legs must be recomputed too)
create or replace temp table touched_conversations (conversation_id varchar);

create or replace temp table touched_feedback (contact_id varchar);

-- the old versions a re-delivery replaces: their place in time (fact_band.sql) and, for those stored before this
-- load, what the licensed queues' answer counts lose (licensed_queues.sql)
create or replace temp table replaced_contacts (
    offered_at timestamp, queue varchar, agent_id varchar, handled boolean, stored boolean
);
