-- What a load touches, so contact_facts and the marts are recomputed only where the new data can change them.
create or replace temp table touched_contacts (contact_id varchar);

create or replace temp table touched_patients (patient_pseudonym varchar);

create or replace temp table touched_feedback (contact_id varchar);
