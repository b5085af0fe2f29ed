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


{#- The exact square of a DECIMAL(18,6) as a DECIMAL with 12 decimals (a sum of squares keeps every digit).
    DuckDB keeps the operands' width in a product (18 digits overflow), Spark caps a product at 38 digits by
    dropping decimals: each engine gets the operand width that keeps all 12. -#}
{% macro exact_square(value) -%}
    {{ return(adapter.dispatch('exact_square', 'carekpi')(value)) }}
{%- endmacro %}

{% macro default__exact_square(value) -%}
    (cast({{ value }} as decimal(38, 6)) * cast({{ value }} as decimal(38, 6)))
{%- endmacro %}

{% macro spark__exact_square(value) -%}
    (cast({{ value }} as decimal(18, 6)) * cast({{ value }} as decimal(18, 6)))
{%- endmacro %}
