-- Valid staged contacts replace any stored contact with the same id (a re-delivery), then are inserted.
-- The delete's row count is the number of replaced rows.
delete from contacts
where contact_id in (select contact_id from staged where error is null);

insert into contacts
select
    contact_id, channel, patient_pseudonym, queue, reason, agent_id, offered_at, handled_at, ended_at,
    hold_seconds, acw_seconds, transferred, escalated_clinical, resolved, $load_id
from staged
where error is null;
