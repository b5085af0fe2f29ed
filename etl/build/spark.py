"""The Spark session a build runs on: local mode on this machine (settings.spark_master, e.g. local[2]), a cluster
master URL (spark://host:7077, yarn, k8s://...), or a Spark Connect server (settings.spark_remote / SPARK_REMOTE,
sc://host:15002). dbt-spark's `session` method then runs every model on this same session (its getOrCreate
returns it)."""

from __future__ import annotations

import os

from etl.settings import Settings

# Settings every build needs whatever the master: UTC session (the models convert to the reporting time zone
# themselves), Parquet timestamps read as UTC instants and written as microseconds (what DuckDB writes and reads).
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}
# For a session started here: no console progress bars, tables registered in memory (the build declares its
# inputs each run), and for local mode on one machine small-data settings (few shuffle partitions, no web UI, no
# adaptive re-planning or whole-stage code generation, a light JIT).
STARTED_CONF = {
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.catalogImplementation": "in-memory",
}
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",  # small data: compiling each stage costs more than it saves
    "spark.driver.memory": "1g",
    "spark.driver.extraJavaOptions": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
}


def spark_session(settings: Settings):
    """The SparkSession for settings (created, or the running one)."""
    from pyspark.sql import SparkSession  # imported here: pyspark starts a JVM and is only needed to build

    builder = SparkSession.builder.appName("carekpi-build")
    if settings.spark_remote:
        # dbt-spark asks pyspark's builder for "the" session without a URL: pyspark finds it through SPARK_REMOTE
        os.environ["SPARK_REMOTE"] = settings.spark_remote
        builder = builder.remote(settings.spark_remote)
    else:
        builder = builder.master(settings.spark_master)
        local = settings.spark_master.startswith("local")
        for key, value in {**STARTED_CONF, **(LOCAL_CONF if local else {})}.items():
            builder = builder.config(key, value)
        builder = builder.config("spark.sql.warehouse.dir", str(settings.build_path / "spark-warehouse"))
    session = builder.getOrCreate()
    if not settings.spark_remote:
        session.sparkContext.setLogLevel("ERROR")
    for key, value in SESSION_CONF.items():
        session.conf.set(key, value)
    return session


def register_inputs(session, files: dict) -> None:
    """Each input as a global temporary view (global_temp.<name>, the `inputs` sources on Spark) over exactly its
    files: the store's contacts files as they are, the small tables from the build folder."""
    for name, paths in files.items():
        session.read.parquet(*[str(path) for path in paths]).createOrReplaceGlobalTempView(name)
