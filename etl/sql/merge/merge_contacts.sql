-- Valid staged contacts replace any stored contact with the same id (a re-delivery), then are inserted: into the
-- load's changes to the table store (contacts_dropped: the replaced ids; contacts_added, see
-- etl/store.py). The patients of replaced contacts and the ids of all merged contacts are noted for the incremental
-- rebuild.
-- The last statement returns the number of replaced rows.
-- The stored rows are found by the ids and times staging read (stored_ids, stg_calls.sql): whole rows are read only
-- where they can match (none, and no read at all, when nothing is re-delivered).
create or replace temp table replaced as
select c.contact_id, c.patient_pseudonym, c.conversation_id, c.offered_at, c.queue, c.agent_id,
    c.handled_at is not null as handled, c.load_id <> $load_id as stored
from contacts c
semi join (
    select i.contact_id, i.offered_at
    from stored_ids i
    semi join staged s on s.contact_id = i.contact_id and s.error is null
) k on k.contact_id = c.contact_id and k.offered_at = c.offered_at;

insert into touched_patients
select patient_pseudonym from replaced where patient_pseudonym is not null;

insert into touched_conversations
select conversation_id from replaced;

insert into replaced_contacts
select offered_at, queue, agent_id, handled, stored from replaced;

insert into contacts_dropped
select contact_id, offered_at from replaced;

delete from contacts_added
where contact_id in (select contact_id from replaced);

insert into contacts_added by name
select
    contact_id, channel, patient_pseudonym, queue, reason, agent_id, offered_at, handled_at, ended_at,
    hold_seconds, acw_seconds, transferred, escalated_clinical, resolved, $load_id as load_id,
    conversation_id, direction, queued, end_reason, transfer_type, talk_seconds
from staged
where error is null;

insert into touched_contacts
select contact_id from staged where error is null;

drop table stored_ids;  -- staging's, used up

select count(*) from replaced;
