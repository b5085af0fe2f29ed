-- A mapped source's rules: a row a rule matched is quarantined with the rule's reason alone (the rule says why it
-- is kept apart; what else might be wrong with it does not matter).
update staged
set error = r._rule_reason
from raw_input r
where r.rec_no = staged.rec_no and r._rule_reason is not null;
