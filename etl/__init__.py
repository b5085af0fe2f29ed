"""carekpi ETL: read, validate, load and transform contact-centre data; the KPI query function."""
