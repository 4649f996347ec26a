"""Benchmark of the rfm_lifecycle core build against its baselines (`make bench`).

For each size N (orders), in one run, side by side:

  0. data      scripts/generate_orders.py --orders N (the demo data's shape: dirty
               rows, duplicates, refunds, cancelled orders), cached under the work
               folder; split with DuckDB COPY into the history (every row not dated
               on the last day D, unparseable dates included) and the last day.
  1. dbt full  `dbt build` of the core marts and their parents (seeds included,
               data and unit tests excluded) on the history file, as of D - 1, into
               a fresh DuckDB file. A no-op `dbt show` of one settings row, timed
               on its own, shows dbt's fixed start-up beside wall - elapsed_time.
  1b. cohorts  the acquisition cohort marts (customer_cohorts, new_customer_repeat_shares)
               beside the core: only their own nodes, on the core's tables.
  2. floor     one hand-written DuckDB statement (CREATE TABLE ... AS) computing
               recency, frequency, monetary and tie-safe quintile scores per
               customer from the same file, in a fresh process with the profile's
               DuckDB settings; compared with customer_segments.
  3. pandas    the analyst's version: read_parquet, the same cleaning, groupby,
               rank-based quintiles; compared with customer_segments.
  4. daily     the last-day file is added (orders_path becomes a glob of the
               folder) and `dbt build` runs again on the same database with
               as_of_date D: what a scheduler's daily run costs (every model is a
               plain table, rebuilt). With --verify (default up to 1M orders) a
               --full-refresh build into another file must give the same core
               marts, row for row.
  5. fixed     dbt's fixed cost: the same build on the first 200 rows of the
               history file, into a fresh file with a fresh parse, and once more
               with the parse kept (partial parsing: same vars, same target).
               The core build's work is the full build's wall time minus the
               first of these.

Every measured step is a child process; its wall time is taken around the child
and its peak RSS is ru_maxrss from os.wait4 (the child's own peak, or that of a
descendant it waited for if higher). dbt and DuckDB run inside that child.

Results: a table on stdout, <work>/results_<N>.json and a section appended to
<work>/results.md. Timings are measurements, never assertions: see
docs/benchmark.md for how to read them and the targets they are held against.
"""
