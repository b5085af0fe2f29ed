-- One row per line the CSV parser rejected, with a reason a person can read (never the line's text).
with errors as (
    select
        line,
        error_type,
        row_number() over (partition by line order by column_idx nulls last) as n
    from ck_reject_errors
),

final as (
    select
        line as line_no,
        case error_type
            when 'TOO MANY COLUMNS' then 'row has more fields than the header'
            when 'MISSING COLUMNS' then 'row has fewer fields than the header'
            when 'UNQUOTED VALUE' then 'badly quoted field'
            when 'UNTERMINATED QUOTE' then 'unclosed quote'
            when 'INVALID ENCODING' then 'not valid UTF-8 text'
            when 'INVALID UNICODE' then 'not valid UTF-8 text'
            when 'LINE SIZE OVER MAXIMUM' then 'line longer than the reader allows'
            else 'unreadable row (' || lower(error_type) || ')'
        end as reason
    from errors
    where n = 1
)

select * from final order by line_no;
