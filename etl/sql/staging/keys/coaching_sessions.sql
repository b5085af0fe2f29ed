-- coaching_sessions: each row's id, for staging/repeated_keys.sql (a narrow copy, so each slice reads little).
create or replace temp table staging_keys as
select ck_blank(session_id) as id, rec_no from raw_input where ck_blank(session_id) is not null;
create or replace temp table repeated_keys (id varchar, last_rec bigint);
