-- Survey responses: a re-delivered survey replaces the stored one.
delete from surveys
where survey_id in (select survey_id from staged where error is null);

insert into surveys
select survey_id, contact_id, responded_at, csat, $load_id
from staged
where error is null;
