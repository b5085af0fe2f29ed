-- Rows whose reason repeats a patient reference of the same file (a name, say, written into free text): compared
-- word by word (punctuation ignored), case-insensitively, as runs of one to four words. Their reason is masked whole, in the warehouse
-- and in quarantined raw text. References shorter than 4 characters are not searched for (too many false hits).
create or replace temp table patient_named as
with words as (
    -- only reasons of several words can hold a name; one-word reasons are category codes (and identifier-like
    -- text in them is masked by pattern)
    select rec_no, list_filter(regexp_split_to_array(lower(reason), '[^[:alnum:]]+'), lambda x: x <> '') as w
    from raw_input
    where contains(reason, ' ')
),

refs as (
    select distinct array_to_string(
        list_filter(regexp_split_to_array(lower(patient_ref), '[^[:alnum:]]+'), lambda x: x <> ''), ' ') as ref
    from raw_input
    where length(patient_ref) >= 4
      and (select count(*) from words) > 0  -- nothing to compare with: skip collecting the references
),

grams as (
    select
        rec_no,
        unnest(list_concat(
            list_transform(range(1, len(w) + 1), lambda i: w[i]),
            list_transform(range(1, len(w)), lambda i: array_to_string(w[i:i + 1], ' ')),
            list_transform(range(1, len(w) - 1), lambda i: array_to_string(w[i:i + 2], ' ')),
            list_transform(range(1, len(w) - 2), lambda i: array_to_string(w[i:i + 3], ' '))
        )) as gram
    from words
)

select distinct rec_no from grams semi join refs on refs.ref = grams.gram;
