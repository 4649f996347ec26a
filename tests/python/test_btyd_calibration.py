"""How good is return_probability? Against the truth of a known buy-till-you-die process
(docs/return_probability.md, "How good is it"; issue 12).

scripts/generate_orders.py --process btyd simulates BG/NBD customers with known purchase
rates and drop-out probabilities and writes, per customer, the true probability of an
order in the 90 days after the as-of date. One dbt build (customer_segments and its
parents, no tests) on the orders up to the as-of date, in a sandbox; then the SQL
probability is scored against the truth and against what the simulation did next.
The numpy BG/NBD of `make bench-btyd` must recover the simulation's parameters.
"""
from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from dbt_sandbox import ROOT, Sandbox

sys.path.insert(0, str(ROOT / "scripts"))
from rfm_bench import bgnbd, btyd  # noqa: E402
from rfm_generate.btyd import BTYD_DEFAULTS  # noqa: E402

AS_OF = dt.date(2025, 10, 2)  # the generator's default --end 2025-12-31 minus 90 days
HORIZON = 90
SIMULATED = BTYD_DEFAULTS  # the generator's defaults: r 0.25, alpha 30 (days), a 0.8, b 2.4
ORDERS, SEED = 8000, 2024  # about 2,500 customers by the as-of date, 250 per decile


@pytest.fixture(scope="module")
def scored():
    box = Sandbox()
    try:
        orders, truth = btyd.simulate(box.path / "sim", ORDERS, SEED, AS_OF)
        calibration = btyd.cut(orders, AS_OF, box.path / "sim" / "calibration.csv")
        # data only up to the as-of date, built as of it
        box.dbt("build", *btyd.SELECTION, dbt_vars=btyd.dbt_vars(calibration, AS_OF, HORIZON))
        yield btyd.compare(orders, truth, AS_OF, HORIZON, box.path / "sim" / "run", database=box.database)
    finally:
        box.remove()


def test_every_simulated_customer_is_scored(scored) -> None:
    # --process btyd writes no dirty, cancelled or test rows: the project sees every customer
    assert scored["left_out"] == 0
    assert scored["customers"] > 2000 and scored["repeat_customers"] > 800


def test_return_probability_matches_the_truth_per_decile(scored) -> None:
    """Mean predicted vs mean true probability in each decile of the prediction.

    Tolerance: the curves are estimated from this one sample, so a decile's mean is no
    better known than a share measured on that decile's customers: standard error
    sqrt(p (1 - p) / n). We allow 3 standard errors, and at least 0.02 (orders are dated
    by day while the truth runs in continuous time, and the 5+ group pools rhythms).
    At 60,000 orders (make bench-btyd) the worst decile is 0.018 off the truth."""
    sql = scored["methods"]["SQL return curves"]
    for decile in sql["deciles"]:
        predicted, _observed, true = decile["score"], *decile["columns"]
        p = min(max(true, 0.01), 0.99)
        tolerance = max(0.02, 3 * math.sqrt(p * (1 - p) / decile["n"]))
        assert abs(predicted - true) <= tolerance, (decile, tolerance)
    # and overall, against the truth and against what happened
    n = scored["customers"]
    p = sql["share_ordered"]
    assert abs(sql["mean_probability"] - scored["methods"]["truth (known lambda, p)"]["mean_probability"]) \
        <= 3 * math.sqrt(p * (1 - p) / n)
    assert abs(sql["mean_probability"] - sql["share_ordered"]) <= 3 * math.sqrt(p * (1 - p) / n) + 0.01


def test_return_probability_ranks_who_orders_next(scored) -> None:
    """AUC for "ordered in the 90 days after the as-of date". With ~330 buyers and ~2,200
    non-buyers its standard error is about 0.012 (Hanley & McNeil). At 60,000 orders the
    SQL curves reach 0.823, the correctly specified BG/NBD 0.834, the truth itself 0.915:
    the floor 0.78 is ~3 standard errors under what the method reaches, and the SQL curves
    may trail the BG/NBD that generated the data by at most 0.04."""
    sql = scored["methods"]["SQL return curves"]["auc_probability"]
    model = scored["methods"]["BG/NBD (numpy fit)"]["auc_probability"]
    truth = scored["methods"]["truth (known lambda, p)"]["auc_probability"]
    assert sql >= 0.78, sql
    assert sql >= model - 0.04, (sql, model)
    assert truth >= sql - 0.01, (truth, sql)  # nothing beats knowing the parameters


def test_truth_file_is_the_truth(tmp_path: Path) -> None:
    """Big sample, no dbt: the true probabilities average to the share that did order."""
    _, truth_path = btyd.simulate(tmp_path, 100_000, 9, AS_OF)
    import duckdb

    n, mean_p, share, mean_e, mean_o = duckdb.sql(
        f"select count(*), avg(true_return_probability), avg((orders_in_horizon > 0)::int), "
        f"avg(true_expected_orders), avg(orders_in_horizon) from read_csv('{truth_path}') "
        f"where true_return_probability is not null").fetchall()[0]
    assert n > 30_000
    assert abs(mean_p - share) <= 3 * math.sqrt(share * (1 - share) / n)
    assert abs(mean_e - mean_o) <= 0.05 * mean_o


def test_bgnbd_fit_recovers_the_simulated_parameters(tmp_path: Path) -> None:
    """The numpy BG/NBD on 100,000 simulated orders: the maximum is a maximum, the true
    parameters lie inside its 99.9% likelihood-ratio region (chi-square, 4 degrees of
    freedom: 18.47), and r and alpha are within 10%."""
    orders, _ = btyd.simulate(tmp_path, 100_000, 9, AS_OF)
    summary = btyd.calibration_summary(btyd.cut(orders, AS_OF, tmp_path / "cal.csv"), AS_OF)
    x, t_x, T = summary["x"], summary["t_x"], summary["T"]
    fitted = bgnbd.fit(x, t_x, T)
    at_truth = bgnbd.log_likelihood(np.array(list(SIMULATED.values())), x, t_x, T)
    assert fitted["log_likelihood"] >= at_truth
    assert 2 * (fitted["log_likelihood"] - at_truth) <= 18.47, (fitted, at_truth)
    for name in ("r", "alpha"):
        assert abs(fitted[name] / SIMULATED[name] - 1) <= 0.10, (name, fitted)


def test_bgnbd_predictions_at_the_edges() -> None:
    params = {"r": 0.25, "alpha": 30.0, "a": 0.8, "b": 2.4}
    x, t_x, T = np.array([0, 3, 3]), np.array([0.0, 300.0, 100.0]), np.array([400.0, 300.0, 300.0])
    out = bgnbd.predict(params, x, t_x, T, 90)
    assert out["p_alive"][0] == 1.0  # BG/NBD's flaw: one order, certainly alive
    assert out["p_alive"][1] > out["p_alive"][2]  # the longer away, the less alive
    assert np.all((out["p_return"] > 0) & (out["p_return"] < 1))
    assert np.all(out["expected_orders"] >= out["p_return"])  # E[N] >= P(N >= 1)
    # nobody can be expected to order in no time
    assert np.allclose(bgnbd.predict(params, x, t_x, T, 1e-9)["expected_orders"], 0, atol=1e-6)
