"""Tests for scripts/generate_orders.py (the synthetic order-data generator)."""
from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "generate_orders.py"
COLUMNS = ["order_id", "customer_id", "order_date", "amount", "status", "margin", "line_id"]
SMALL = ["--orders", "3000", "--seed", "7"]


def run(*args: str | Path) -> str:
    """Run the generator, return its stderr summary."""
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def read_csv(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, [tuple(r) for r in reader]


def parse_date(text: str) -> dt.datetime | None:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    return None


def parse_amount(text: str) -> float | None:
    if not re.fullmatch(r"-?\d+\.\d{2}", text):
        return None
    return float(text)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    stderr = run(*SMALL, "--out", d / "orders.csv", "--customers-out", d / "customers.csv")
    header, rows = read_csv(d / "orders.csv")
    _, customers = read_csv(d / "customers.csv")
    return {"header": header, "rows": rows, "customers": customers, "stderr": stderr}


@pytest.fixture(scope="module")
def small_clean(tmp_path_factory):
    d = tmp_path_factory.mktemp("small_clean")
    run(*SMALL, "--clean", "--out", d / "orders.csv")
    return read_csv(d / "orders.csv")


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_same_seed_same_bytes(tmp_path, ext):
    for name in ("a", "b"):
        run(*SMALL, "--out", tmp_path / f"{name}.{ext}",
            "--customers-out", tmp_path / f"{name}_customers.{ext}")
    assert (tmp_path / f"a.{ext}").read_bytes() == (tmp_path / f"b.{ext}").read_bytes()
    assert (tmp_path / f"a_customers.{ext}").read_bytes() == \
        (tmp_path / f"b_customers.{ext}").read_bytes()
    # no temporary files left next to the output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{n}{s}.{ext}" for n in ("a", "b") for s in ("", "_customers"))


def test_other_seed_differs(tmp_path):
    run(*SMALL, "--out", tmp_path / "a.csv")
    run("--orders", "3000", "--seed", "8", "--out", tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "b.csv").read_bytes()


def test_csv_and_parquet_carry_identical_values(tmp_path, small):
    duckdb = pytest.importorskip("duckdb")
    run(*SMALL, "--out", tmp_path / "orders.parquet")
    con = duckdb.connect()
    types = con.execute(
        f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{tmp_path / 'orders.parquet'}'))"
    ).fetchall()
    assert [c for c, _ in types] == COLUMNS
    assert {t for _, t in types} == {"VARCHAR"}
    pq_rows = con.execute(f"SELECT * FROM read_parquet('{tmp_path / 'orders.parquet'}')").fetchall()
    # the CSV writes NULL as an empty field
    assert [tuple("" if v is None else v for v in r) for r in pq_rows] == small["rows"]


def test_columns_and_formats(small):
    assert small["header"] == COLUMNS
    rows = small["rows"]
    assert all(len(r) == 7 for r in rows)
    good = [r for r in rows if r[0] and r[1].strip() and parse_date(r[2]) and parse_amount(r[3])]
    assert len(rows) - len(good) <= 60
    for order_id, customer_id, order_date, amount, status, margin, line_id in good:
        assert re.fullmatch(r"[OR]\d{7,}", order_id)
        assert re.fullmatch(r"C\d{6,}", customer_id)
        assert status in {"completed", "shipped", "cancelled", "test"}
        assert parse_amount(margin) is not None
        assert 1 <= int(line_id) <= 5
        a, m = float(amount), float(margin)
        # margin = amount x a 20-45 % rate (rounded to cents); same sign as amount
        assert abs(m) <= abs(a) * 0.45 + 0.01 and abs(m) >= abs(a) * 0.20 - 0.01
    # both timestamp and plain-date strings, roughly 20 % plain dates
    plain = sum(len(r[2]) == 10 for r in good) / len(good)
    assert 0.12 < plain < 0.28


def test_rows_sorted_by_date(small):
    last = None
    for r in small["rows"]:
        d = parse_date(r[2])
        if d is None:
            continue
        if last is not None:
            assert d.date() >= last.date()
        last = d


def test_order_shapes(small):
    rows = small["rows"]
    orders = [r for r in rows if r[0].startswith("O")]
    lines_per_order = Counter()
    for r in set(orders):
        amount = parse_amount(r[3])
        if amount is not None and amount > 0:
            lines_per_order[r[0]] += 1
    counts = Counter(lines_per_order.values())
    assert counts[1] > counts[2] > counts[3] > 0 and counts[4] > 0
    assert max(counts) == 4

    # the target order count is met (+-5 %)
    assert 2850 <= len({r[0] for r in orders}) <= 3150

    # refunds: negative lines on the same order id, and R documents
    neg_same_order = [r for r in orders if (parse_amount(r[3]) or 0) < 0]
    assert neg_same_order
    positive_orders = {oid for oid in lines_per_order}
    assert all(r[0] in positive_orders for r in neg_same_order)
    refund_docs = [r for r in rows if r[0].startswith("R")]
    assert refund_docs
    assert all((parse_amount(r[3]) or 0) < 0 for r in refund_docs)
    # refunds are dated after the original order
    first_seen = {}
    for r in orders:
        d = parse_date(r[2])
        if d is not None and r[0] not in first_seen:
            first_seen[r[0]] = d
    for r in neg_same_order:
        assert parse_date(r[2]).date() > first_seen[r[0]].date()

    statuses = Counter(r[4] for r in rows)
    assert statuses["cancelled"] > 0 and statuses["completed"] > statuses["shipped"] > 0
    # cancellation applies to whole orders
    cancelled = {r[0] for r in orders if r[4] == "cancelled"}
    assert all(r[4] == "cancelled" for r in orders if r[0] in cancelled)
    assert 0.005 < len(cancelled) / len(lines_per_order) < 0.05


def test_duplicates_only_in_dirty_mode(small, small_clean):
    dups = [r for r, c in Counter(small["rows"]).items() if c > 1]
    assert len(dups) >= 3
    _, clean_rows = small_clean
    assert not [r for r, c in Counter(clean_rows).items() if c > 1]


def dirty_kinds(rows):
    kinds = Counter()
    for order_id, customer_id, order_date, amount, *_ in rows:
        if customer_id == "":
            kinds["empty customer_id"] += 1
        elif customer_id.strip() == "":
            kinds["blank customer_id"] += 1
        if order_id == "":
            kinds["empty order_id"] += 1
        if parse_date(order_date) is None:
            kinds["bad date"] += 1
        if amount == "":
            kinds["empty amount"] += 1
        elif parse_amount(amount) is None:
            kinds["bad amount"] += 1
    return kinds


def test_dirty_rows(small, small_clean):
    kinds = dirty_kinds(small["rows"])
    for kind in ["empty customer_id", "blank customer_id", "empty order_id",
                 "bad date", "empty amount", "bad amount"]:
        assert kinds[kind] >= 2, kind
    assert 30 <= sum(kinds.values()) <= 60
    values = {r[2] for r in small["rows"]} | {r[3] for r in small["rows"]}
    assert {"not a date", "2024-13-45", "n/a", "12,50,0"} <= values
    # dirty rows carry unique order ids
    dirty = [r for r in small["rows"]
             if r[0] and (not r[1].strip() or parse_date(r[2]) is None
                          or parse_amount(r[3]) is None)]
    ids = Counter(r[0] for r in small["rows"])
    assert all(ids[r[0]] == 1 for r in dirty)

    _, clean_rows = small_clean
    assert not dirty_kinds(clean_rows)


def test_customers_file(small):
    customers = small["customers"]
    ids = [c for c, _ in customers]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"C\d{6,}", c) for c in ids)
    assert all(parse_date(s) for _, s in customers)
    ordering = {r[1] for r in small["rows"] if r[1].strip()}
    assert ordering <= set(ids)
    prospects = set(ids) - ordering
    assert 0.08 < len(prospects) / len(ordering) < 0.16


def test_summary_line(small):
    lines = small["stderr"].strip().splitlines()
    assert len(lines) == 1
    assert "rows" in lines[0] and "distinct orders" in lines[0] and "customers" in lines[0]


def test_default_demo_size(tmp_path):
    run("--out", tmp_path / "orders.csv")  # every other argument at its default
    _, rows = read_csv(tmp_path / "orders.csv")
    order_ids = {r[0] for r in rows if r[0].startswith("O")}
    assert 57_000 <= len(order_ids) <= 63_000
    assert len(order_ids) >= 50_000
    customers = {r[1] for r in rows if r[0].startswith("O") and r[1].strip()}
    assert len(customers) >= 10_000
    dates = [d for d in (parse_date(r[2]) for r in rows) if d is not None]
    assert min(dates) >= dt.datetime(2023, 1, 1)
    assert max(dates) < dt.datetime(2026, 1, 1)
    # one-time buyers and heavy repeat buyers both present
    per_customer = Counter(r[1] for r in {(r[0], r[1]) for r in rows if r[0].startswith("O")})
    assert sum(c == 1 for c in per_customer.values()) > 0.3 * len(per_customer)
    assert max(per_customer.values()) > 50


def test_btyd_process_is_deterministic_and_writes_the_truth(tmp_path):
    """--process btyd: same seed, same orders and truth; one truth row per ordering
    customer; every order completed or shipped (no cancelled or test orders)."""
    outputs = []
    for run_dir in ("a", "b"):
        d = tmp_path / run_dir
        d.mkdir()
        run("--process", "btyd", "--orders", "3000", "--seed", "7", "--clean",
            "--out", d / "orders.csv", "--truth-out", d / "truth.csv")
        outputs.append(((d / "orders.csv").read_bytes(), (d / "truth.csv").read_bytes()))
    assert outputs[0] == outputs[1]
    _, rows = read_csv(tmp_path / "a" / "orders.csv")
    header, truth = read_csv(tmp_path / "a" / "truth.csv")
    order_rows = [r for r in rows if not r[0].startswith("R")]
    assert {r[4] for r in order_rows} <= {"completed", "shipped"}
    assert {r[1] for r in order_rows} == {t[0] for t in truth}
    col = {name: i for i, name in enumerate(header)}
    acquired = [t for t in truth if t[col["true_return_probability"]]]
    assert acquired and len(acquired) < len(truth)  # some first orders come after the as-of date
    assert all(0 <= float(t[col["true_return_probability"]]) <= 1 for t in acquired)
    assert all(t[col["as_of_date"]] == "2025-10-02" for t in truth)


def test_truth_options_need_the_btyd_process(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--orders", "100", "--out", tmp_path / "o.csv",
                           "--truth-out", tmp_path / "t.csv"], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "--process btyd" in proc.stderr
