"""The findings history: every report run recorded (SQLite by default, PostgreSQL by URL), compared
run against run ("since last week"), and the trend of open findings over the last runs.

Stage rank: beside ``plan`` (after rules, before render): it reads findings and the estate; render
reads its summary for page 1 and the workbook. Modules: ``store`` (URL, engine, migrations),
``schema`` (tables and migration steps), ``record`` (what a run records), ``query`` (reading runs
back), ``diff`` (two runs -> what changed, pure), ``trend`` (series and chart), ``summary`` (what the
reports show), ``prune`` (retention), ``backfill`` (recording judged runs and earlier weeks),
``commands`` (``viosaudit history ...``). This package imports nothing heavy itself: the CLI's
``--help`` stays fast.
"""
