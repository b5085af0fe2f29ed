-- Survey responses: a re-delivered survey replaces the stored one (in the load's changes to the table store:
-- surveys_dropped, surveys_added; see etl/store.py). The contacts of old and new versions are
-- noted for the incremental rebuild. The last statement returns the number of replaced rows.
create or replace temp table replaced as
select v.survey_id, v.contact_id, v.responded_at from surveys v semi join staged s on s.survey_id = v.survey_id and s.error is null;

insert into touched_feedback
select contact_id from replaced
union all
select contact_id from staged where error is null;

insert into surveys_dropped
select survey_id, responded_at from replaced;

delete from surveys_added
where survey_id in (select survey_id from replaced);

insert into surveys_added
select survey_id, contact_id, responded_at, csat, $load_id
from staged
where error is null;

select count(*) from replaced;
