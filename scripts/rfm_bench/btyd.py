"""How good is `return_probability`? Against the truth of a simulated buy-till-you-die
process and against a textbook BG/NBD (`make bench-btyd`, docs/return_probability.md).

Steps, shared by scripts/bench_btyd.py and tests/python/test_btyd_calibration.py:
simulate (scripts/generate_orders.py --process btyd) or take the demo; cut the orders at
the split date (the calibration period: every row dated on or before it); build the project
as of the split date on the cut file; fit BG/NBD on the same calibration period; score the
three (SQL, BG/NBD, truth) on what happened in the horizon after the split date.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np

from . import bgnbd

PROJECT = Path(__file__).resolve().parents[2]
GENERATOR = PROJECT / "scripts" / "generate_orders.py"
DBT = Path(sys.executable).parent / "dbt"
SELECTION = ["--select", "+customer_segments", "--exclude", "resource_type:test", "resource_type:unit_test"]
# what counts as an order when scoring the horizon, as the project counts them: refund
# documents (R...), cancelled and test orders are no orders
ORDER_FILTER = ("order_id not like 'R%' and lower(trim(status)) not in ('cancelled', 'test') "
                "and nullif(trim(customer_id), '') is not null")


def sql_string(text: object) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def simulate(out_dir: Path, orders: int, seed: int, as_of: dt.date | None = None,
             extra: list[str] | None = None) -> tuple[Path, Path]:
    """Orders and truth of a BG/NBD process (generator defaults unless extra says otherwise)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    orders_path, truth_path = out_dir / "orders.csv", out_dir / "truth.csv"
    command = [sys.executable, str(GENERATOR), "--process", "btyd", "--clean", "--orders", str(orders),
               "--seed", str(seed), "--out", str(orders_path), "--truth-out", str(truth_path), *(extra or [])]
    if as_of:
        command += ["--truth-as-of", as_of.isoformat()]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=600)
    return orders_path, truth_path


def _order_dates(path: Path) -> str:
    """The orders file as (customer_id, order_id, order_date) rows that are orders."""
    return (f"select trim(customer_id) as customer_id, order_id, "
            f"try_cast(left(trim(order_date), 10) as date) as order_date "
            f"from read_csv({sql_string(path)}, all_varchar = true, header = true) where {ORDER_FILTER}")


def cut(orders_path: Path, as_of: dt.date, out_path: Path) -> Path:
    """The calibration period: every row dated on or before as_of (refund documents included)."""
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * from read_csv({sql_string(orders_path)}, all_varchar = true, header = true) "
            f"where try_cast(left(trim(order_date), 10) as date) <= date {sql_string(as_of)}) "
            f"to {sql_string(out_path)} (format csv, header true)")
    return out_path


def dbt_vars(orders_path: Path, as_of: dt.date, horizon: int) -> dict:
    return {"orders_path": str(orders_path), "customers_path": None,
            "as_of_date": as_of.isoformat(), "return_horizon_days": horizon}


def build(orders_path: Path, as_of: dt.date, horizon: int, work: Path) -> Path:
    """dbt build of customer_segments and its parents (no tests) into work/btyd.duckdb."""
    database = work / "btyd.duckdb"
    database.unlink(missing_ok=True)
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT), "DBT_PROJECT_DIR": str(PROJECT),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "RFM_DUCKDB_PATH": str(database)}
    command = [str(DBT), "build", *SELECTION, "--vars", json.dumps(dbt_vars(orders_path, as_of, horizon)),
               "--target-path", str(work / "dbt_target"), "--log-path", str(work / "dbt_logs"),
               "--no-use-colors"]
    result = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=3600)
    (work / "dbt_build.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"dbt build failed, see {work / 'dbt_build.log'}:\n{result.stdout[-3000:]}")
    return database


def sql_predictions(database: Path) -> dict[str, tuple[float, float]]:
    """customer_id -> (return_probability, expected_orders_in_horizon) of every buyer."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute("select customer_id, return_probability, expected_orders_in_horizon "
                           "from customer_segments where lifetime_orders > 0").fetchall()
    return {c: (float(p), float(e)) for c, p, e in rows}


def calibration_summary(orders_path: Path, as_of: dt.date) -> dict:
    """BG/NBD's (x, t_x, T) per customer in days, from the calibration period: repeat
    purchase *days* (as lifetimes' summary_data_from_transaction_data with freq 'D')."""
    with duckdb.connect() as con:
        rows = con.execute(
            f"select customer_id, count(distinct order_date) - 1, "
            f"date_diff('day', min(order_date), max(order_date)), "
            f"date_diff('day', min(order_date), date {sql_string(as_of)}) "
            f"from ({_order_dates(orders_path)}) where order_date <= date {sql_string(as_of)} "
            f"group by 1 order by 1").fetchall()
    ids = [r[0] for r in rows]
    return {"customer_id": ids, "x": np.array([r[1] for r in rows], dtype=np.int64),
            "t_x": np.array([r[2] for r in rows], dtype=float), "T": np.array([r[3] for r in rows], dtype=float)}


def observed(orders_path: Path, as_of: dt.date, horizon: int) -> dict[str, int]:
    """customer_id -> orders in the horizon (as_of + 1 ... as_of + horizon)."""
    end = as_of + dt.timedelta(days=horizon)
    with duckdb.connect() as con:
        rows = con.execute(
            f"select customer_id, count(distinct order_id) from ({_order_dates(orders_path)}) "
            f"where order_date > date {sql_string(as_of)} and order_date <= date {sql_string(end)} "
            f"group by 1").fetchall()
    return dict(rows)


def read_truth(truth_path: Path) -> dict[str, tuple[float, float]]:
    """customer_id -> (true_return_probability, true_expected_orders), acquired by the as-of date."""
    with duckdb.connect() as con:
        rows = con.execute(
            f"select customer_id, true_return_probability, true_expected_orders "
            f"from read_csv({sql_string(truth_path)}, header = true) "
            f"where true_return_probability is not null").fetchall()
    return {c: (float(p), float(e)) for c, p, e in rows}


# --- scores ------------------------------------------------------------------------------
def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Mann-Whitney AUC, ties counted half (as return_probability_calibration)."""
    order = np.argsort(score, kind="stable")
    sorted_score = score[order]
    ranks = np.empty(score.size, dtype=float)
    # average ranks over ties
    _, first, counts = np.unique(sorted_score, return_index=True, return_counts=True)
    average = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(average, counts)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def deciles(score: np.ndarray, *columns: np.ndarray) -> list[dict]:
    """Ten equal-count groups by score (ties broken by position, which is customer id
    order): per group n and the mean of score and of every column."""
    order = np.argsort(score, kind="stable")
    groups = []
    for number, part in enumerate(np.array_split(order, 10), start=1):
        groups.append({"decile": number, "n": int(part.size), "score": float(score[part].mean()),
                       "columns": [float(c[part].mean()) for c in columns]})
    return groups


def score_method(probability: np.ndarray, expected: np.ndarray, ordered: np.ndarray,
                 orders: np.ndarray, truth_p: np.ndarray | None) -> dict:
    """AUC, calibration by decile, expected vs observed orders of one method."""
    columns = [ordered.astype(float)] + ([truth_p] if truth_p is not None else [])
    by_decile = deciles(probability, *columns)
    return {
        "auc_probability": auc(probability, ordered),
        "auc_expected_orders": auc(expected, ordered),
        "mean_probability": float(probability.mean()),
        "share_ordered": float(ordered.mean()),
        "mean_expected_orders": float(expected.mean()),
        "mean_observed_orders": float(orders.mean()),
        "expected_over_observed": float(expected.mean() / orders.mean()) if orders.mean() else None,
        "correlation_expected_orders": float(np.corrcoef(expected, orders)[0, 1]),
        "max_decile_gap_observed": max(abs(d["score"] - d["columns"][0]) for d in by_decile),
        "max_decile_gap_truth": (max(abs(d["score"] - d["columns"][1]) for d in by_decile)
                                 if truth_p is not None else None),
        "deciles": by_decile,
    }


def compare(orders_path: Path, truth_path: Path | None, as_of: dt.date, horizon: int, work: Path,
            database: Path | None = None) -> dict:
    """Everything the bench reports, for one data set and split date."""
    work.mkdir(parents=True, exist_ok=True)
    calibration_path = cut(orders_path, as_of, work / "calibration.csv")
    if database is None:
        database = build(calibration_path, as_of, horizon, work)
    sql = sql_predictions(database)
    summary = calibration_summary(calibration_path, as_of)
    # the project may not count every raw row as an order (e.g. the demo's fully refunded
    # or dirty ones): score the customers both sides see, and say how many were left out
    keep = np.array([c in sql for c in summary["customer_id"]])
    not_scored = [c for c, k in zip(summary["customer_id"], keep) if not k]
    summary = {"customer_id": [c for c, k in zip(summary["customer_id"], keep) if k],
               **{k: v[keep] for k, v in summary.items() if k != "customer_id"}}
    ids = summary["customer_id"]
    params = bgnbd.fit(summary["x"], summary["t_x"], summary["T"])
    model = bgnbd.predict(params, summary["x"], summary["t_x"], summary["T"], horizon)
    after = observed(orders_path, as_of, horizon)
    truth = read_truth(truth_path) if truth_path else None

    orders = np.array([after.get(c, 0) for c in ids], dtype=float)
    ordered = orders > 0
    truth_p = np.array([truth[c][0] for c in ids]) if truth else None
    methods = {
        "SQL return curves": score_method(np.array([sql[c][0] for c in ids]), np.array([sql[c][1] for c in ids]),
                                          ordered, orders, truth_p),
        "BG/NBD (numpy fit)": score_method(model["p_return"], model["expected_orders"], ordered, orders, truth_p),
    }
    if truth:
        methods["truth (known lambda, p)"] = score_method(truth_p, np.array([truth[c][1] for c in ids]),
                                                          ordered, orders, truth_p)
    return {"as_of_date": as_of.isoformat(), "horizon_days": horizon, "customers": len(ids),
            "left_out": len(not_scored), "left_out_examples": not_scored[:5],
            "repeat_customers": int((summary["x"] > 0).sum()), "bgnbd_params": params, "methods": methods}
