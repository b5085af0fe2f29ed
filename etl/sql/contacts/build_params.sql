-- The settings this load builds with, bound once into a one-row table that the facts and mart views read.
create or replace temp table build_params as
select
    $full_rebuild::boolean as full_rebuild,
    $short_abandon_seconds::bigint as short_abandon_seconds,
    $fcr_same_reason::boolean as fcr_same_reason,
    $fcr_window_hours::bigint as fcr_window_hours,
    $sl_voice_seconds::integer as sl_voice_seconds,
    $sl_other_seconds::integer as sl_other_seconds,
    $reporting_timezone::varchar as reporting_timezone,
    $critical_items::varchar[] as critical_items;
