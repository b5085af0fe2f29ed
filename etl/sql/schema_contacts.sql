-- The contacts table of a new warehouse, or of one from before the table store (etl/store.py moves it into the
-- store and keeps only its columns, as contacts_template). No patient reference: only the keyed pseudonym.
create table if not exists contacts (
    contact_id varchar,
    channel varchar,
    patient_pseudonym varchar,
    queue varchar,
    reason varchar,
    agent_id varchar,
    offered_at timestamp,
    handled_at timestamp,
    ended_at timestamp,
    hold_seconds decimal(18, 3),
    acw_seconds decimal(18, 3),
    transferred boolean,
    escalated_clinical boolean,
    resolved boolean,
    load_id integer
);

-- Contract v2 (issue 11): added as columns so that a warehouse built before them keeps its contacts. A contact
-- stored before them reads as one inbound, queued leg of its own conversation (see contact_facts.sql).
alter table contacts add column if not exists conversation_id varchar;

alter table contacts add column if not exists direction varchar;

alter table contacts add column if not exists queued boolean;

alter table contacts add column if not exists end_reason varchar;

alter table contacts add column if not exists transfer_type varchar;

alter table contacts add column if not exists talk_seconds decimal(18, 3);

update contacts
set conversation_id = contact_id,
    direction = 'inbound',
    queued = true,
    end_reason = case when handled_at is null then 'abandoned' end,
    transfer_type = case when transferred then 'internal' end
where conversation_id is null;
