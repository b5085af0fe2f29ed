"""Delivery: subscriptions (subscriptions.py), their cron slots (schedule.py), the delivery log (log.py), the e-mail
(message.py, digest.py), SMTP and folder drop (transport.py), sending with retries (deliver.py), the built-in
scheduler (scheduler.py) and the `carekpi deliver` / `carekpi serve-scheduler` commands (cli.py)."""
