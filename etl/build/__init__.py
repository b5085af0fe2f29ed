"""`carekpi build`: the transformations (contact facts with the FCR window, the KPI marts) run as the dbt project in
etl/dbt/ on DuckDB or Apache Spark, and the dashboard's warehouse refreshed from what they wrote.

inputs.py writes the build's inputs as Parquet, runner.py runs dbt in-process on the chosen engine (spark.py makes
the Spark session), serving.py swaps the built tables into the warehouse the app reads, cli.py is the command.
"""
