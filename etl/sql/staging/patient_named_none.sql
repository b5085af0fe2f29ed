-- Files without patient references: no row repeats one.
create or replace temp table patient_named (rec_no bigint);
