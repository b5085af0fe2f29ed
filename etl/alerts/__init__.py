"""Alerts: rules (rules.py), control limits (limits.py), their evaluation over kpi_table() (evaluate.py), load and
freshness notices (notices.py) and the `carekpi alerts` command (cli.py)."""
