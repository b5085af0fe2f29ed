-- The warehouse's stored tables. Derived tables (contact_facts and the marts) are rebuilt by each load.
-- No table holds a patient reference: contacts keep only the keyed pseudonym. Contacts and contact_facts live in
-- the table store (etl/store.py); schema_contacts.sql defines contacts for a new warehouse or one from before it.

create table if not exists loads (
    load_id integer,
    started_at timestamp,
    finished_at timestamp,
    sources varchar,
    report_json varchar
);

create table if not exists load_files (
    load_id integer,
    file varchar,
    kind varchar,
    rows_read bigint,
    loaded bigint,
    replaced bigint,
    quarantined bigint
);

create table if not exists quarantine (
    load_id integer,
    file varchar,
    kind varchar,
    line_no bigint,
    reason varchar,
    raw_text varchar
);

create table if not exists agents (
    agent_id varchar,
    agent_name varchar,
    team varchar,
    site varchar,
    partner varchar,
    licensed boolean,
    hire_date date,
    load_id integer
);

create table if not exists queues (
    queue varchar,
    partner varchar,
    team varchar,
    site varchar,
    sl_threshold_seconds integer,
    load_id integer
);

create table if not exists surveys (
    survey_id varchar,
    contact_id varchar,
    responded_at timestamp,
    csat tinyint,
    load_id integer
);

create table if not exists qa_results (
    evaluation_id varchar,
    item varchar,
    contact_id varchar,
    evaluated_at timestamp,
    evaluator varchar,
    result varchar,
    load_id integer
);

-- The settings the derived tables were built with; a load whose settings differ rebuilds them in full.
create table if not exists build_settings (
    settings_json varchar
);

-- The longest conversation's spread (last leg's offered_at minus its first's, microseconds) over every contact
-- stored: an incremental load reads only the days it can change, widened by this (etl/sql/contacts/fact_band.sql).
-- Kept by every load; empty in a warehouse built before it (the next load then measures it over every contact).
-- The horizon (the latest offered_at loaded) as the last load left it, so the next one need not read every contact
-- for it (etl/load.py).
create table if not exists horizon_built (
    horizon_at timestamp
);

-- The licensed queues (etl/sql/contacts/licensed_queues.sql) the stored facts were built with, as one sorted list,
-- and the answer counts per queue they come from (one row).
create table if not exists licensed_queues_kept (
    queues varchar[],
    answers struct(queue varchar, answered bigint, licensed_answered bigint)[]
);

create table if not exists conversation_spread (
    max_spread_us bigint
);

-- Optional coaching sessions (coaching_sessions.csv). notes are scrubbed free text for the Coaching page only.
create table if not exists coaching_sessions (
    session_id varchar,
    agent_id varchar,
    session_date date,
    topic varchar,
    trainer varchar,
    notes varchar,
    load_id integer
);
