{#- The only SQL that differs by engine, each construct in one dispatched macro (adapter.dispatch picks
    <engine>__<name>, else default__<name>). Everything else in the models is SQL both engines read the same way:
    no list functions, no 1-based indexing, explicit NULLS LAST, counts as count(case when ... then 1 end) (a
    bigint, 0 on no match, on both engines; DuckDB's count_if is a sum, NULL on all-NULL input), epoch microseconds
    for time arithmetic (exact integers on both engines). -#}

{% macro epoch_us(timestamp) -%}
    {{ return(adapter.dispatch('epoch_us', 'carekpi')(timestamp)) }}
{%- endmacro %}

{% macro default__epoch_us(timestamp) -%}
    epoch_us({{ timestamp }})
{%- endmacro %}

{% macro spark__epoch_us(timestamp) -%}
    unix_micros({{ timestamp }})
{%- endmacro %}


{#- A UTC timestamp as the wall-clock time in `zone` (an IANA name; a column). Both sessions run in UTC. -#}
{% macro local_time(timestamp, zone) -%}
    {{ return(adapter.dispatch('local_time', 'carekpi')(timestamp, zone)) }}
{%- endmacro %}

{% macro default__local_time(timestamp, zone) -%}
    timezone({{ zone }}, cast({{ timestamp }} as timestamptz))
{%- endmacro %}

{% macro spark__local_time(timestamp, zone) -%}
    from_utc_timestamp({{ timestamp }}, {{ zone }})
{%- endmacro %}


{#- Run at the start of every dbt run (dbt_project.yml on-run-start): make the input datasets readable as the
    `inputs` sources. DuckDB reads them directly (external_location in sources.yml): nothing to do. Spark: one
    table per input over its Parquet files, in the carekpi_inputs database. -#}
{% macro register_inputs() -%}
    {{ return(adapter.dispatch('register_inputs', 'carekpi')()) }}
{%- endmacro %}

{% macro default__register_inputs() -%}
    select 1
{%- endmacro %}

{% macro spark__register_inputs() -%}
    {%- if execute -%}
        {%- do run_query('create database if not exists carekpi_inputs') -%}
        {%- for node in graph.sources.values() if node.source_name == 'inputs' -%}
            {%- do run_query('drop table if exists carekpi_inputs.' ~ node.name) -%}
            {%- do run_query('create table carekpi_inputs.' ~ node.name ~ ' using parquet location '
                             ~ carekpi_string(var('inputs') ~ '/' ~ node.name)) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{#- A path as a SQL string literal (quotes and backslashes escaped). -#}
{% macro carekpi_string(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
