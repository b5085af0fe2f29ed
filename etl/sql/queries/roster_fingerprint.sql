-- A fingerprint of the roster and queue ownership: when it changes, every contact's attribution may change.
select
    (select coalesce(bit_xor(hash(agent_id, team, site, partner, licensed)), 0) from agents) as agents,
    (select coalesce(bit_xor(hash(queue, partner, team, site, sl_threshold_seconds)), 0) from queues) as queues;
