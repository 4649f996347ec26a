"""Hypothesis strategies: order sets and vars aimed at the edges of the rules.

One scenario is one dbt run, so a scenario carries many customers, each drawn
to sit on or next to an edge: recency exactly on a threshold and one day past,
the window boundary, ties in every measure, one-order customers, refund-only
customers, refund lines that cancel an order, same-day orders, orders only
outside the window or after the as-of date, order lines and exact duplicates,
excluded statuses, ids spelled with other case and whitespace, an order id
used by two customers, and rows the contract rejects.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hypothesis import strategies as st

from .rfm_oracle import Settings, SourceRow

ANCHOR = dt.date(2024, 6, 30)
MAX_ORDER_DATE = dt.date(2030, 1, 1)
# Few distinct amounts, so monetary values tie often.
AMOUNTS = ["10.00", "10.00", "25.50", "0.01", "99.99", "100.00", "7.25"]
REFUND_AMOUNTS = ["-10.00", "-25.50", "-0.01", "-100.00"]


@dataclass
class Scenario:
    settings: Settings
    vars: dict
    rows: list[SourceRow]
    customers_file: list[str | None] | None
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"vars={self.vars} rows={len(self.rows)} customers_file={self.customers_file is not None}"


def _threshold(draw, choices):
    return draw(st.sampled_from(choices))


@st.composite
def settings_and_vars(draw) -> tuple[Settings, dict]:
    lookback = draw(st.sampled_from([30, 90, 365, 730]))
    new_days = _threshold(draw, [1, 7, 30, 90, "auto"])
    loyal_days = _threshold(draw, [5, 20, 60, "auto"])
    regular_days = _threshold(draw, [10, 40, 120, "auto"])
    fixed_days = [d for d in (new_days, loyal_days, regular_days) if d != "auto"]
    if len(fixed_days) == 3:
        lost_choice = draw(st.sampled_from(["auto", "just_above", "far_above", "past_window"]))
    else:
        # A learned threshold can exceed a fixed lost_days, which must stop the build; keep that
        # case, but mostly draw a lost_days that leaves the rest of the rules something to show.
        lost_choice = draw(st.sampled_from(["auto", "auto", "beyond_every_gap", "just_above"]))
    if lost_choice == "auto":
        lost_days = "auto"
    else:
        floor = max(fixed_days, default=1) + 1
        lost_days = {"just_above": floor, "far_above": floor + 150, "beyond_every_gap": 1500,
                     "past_window": max(floor, lookback + draw(st.integers(0, 3)))}[lost_choice]
    as_of = draw(st.one_of(st.none(), st.sampled_from([ANCHOR, ANCHOR - dt.timedelta(days=45),
                                                       ANCHOR + dt.timedelta(days=30)])))
    values = dict(
        as_of_date=as_of,
        lookback_days=lookback,
        monetary_measure=draw(st.sampled_from(["revenue", "revenue", "margin"])),
        score_buckets=draw(st.sampled_from([2, 3, 4, 5, 5, 10, 30])),
        trailing_revenue_days=draw(st.sampled_from([1, 30, 365])),
        loyal_min_orders=_threshold(draw, [3, 4, "auto"]),
        new_customer_days=new_days,
        inactive_days_regular=regular_days,
        inactive_days_loyal=loyal_days,
        lost_days=lost_days,
        inactivity_mode=draw(st.sampled_from(["tier", "cycle", "probability"])),
        inactive_below_return_probability=draw(st.sampled_from(["0.05", "0.25", "0.5", "0.9"])),
        cycle_multiplier=draw(st.sampled_from(["0.5", "1.0", "1.5", "2.0", "2.25", "3.33"])),
        cycle_min_days=draw(st.sampled_from([1, 3, 14, 60])),
        auto_new_customer_percentile=draw(st.sampled_from(["0.01", "0.5", "0.8", "1"])),
        auto_inactive_percentile=draw(st.sampled_from(["0.01", "0.5", "0.9", "1"])),
        auto_loyal_percentile=draw(st.sampled_from(["0.01", "0.5", "0.8", "1"])),
        auto_lost_percentile=draw(st.sampled_from(["0.5", "0.98", "1"])),
        customer_id_case_sensitive=draw(st.booleans()),
        amount_grain=draw(st.sampled_from(["line", "line", "line", "order"])),
    )
    settings = Settings(max_order_date=MAX_ORDER_DATE, **values)
    dbt_vars = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
    dbt_vars["max_order_date"] = MAX_ORDER_DATE.isoformat()
    dbt_vars["cohort_grain"] = draw(st.sampled_from(["month", "month", "week", "quarter"]))
    # The rhythm of expected orders (return oracle); small minimums so the few customers of a scenario use it.
    dbt_vars["order_rhythm_prior_orders"] = draw(st.sampled_from(["0", "0.5", "1", "2.75"]))
    dbt_vars["order_rhythm_min_customers"] = draw(st.sampled_from([1, 2, 3, 30]))
    return settings, dbt_vars


def _edge_offsets(s: Settings) -> list[int]:
    """Days before the reference date that sit on a rule's edge."""
    days = {0, 1, s.lookback_days - 1, s.lookback_days, s.lookback_days + 1}
    for value in (s.new_customer_days, s.inactive_days_loyal, s.inactive_days_regular, s.lost_days,
                  s.cycle_min_days, s.trailing_revenue_days):
        if value != "auto":
            days |= {value - 1, value, value + 1}
    return sorted(d for d in days if d >= 0)


def _spellings(base: str, draw) -> str:
    return draw(st.sampled_from([base, base.lower(), f" {base} ", f"{base}\t", base.upper()]))


@st.composite
def scenarios(draw, max_customers: int = 14) -> Scenario:
    settings, dbt_vars = draw(settings_and_vars())
    reference = settings.as_of_date or ANCHOR
    edges = _edge_offsets(settings)
    offset = st.one_of(st.sampled_from(edges), st.integers(-40, 1000))
    rows: list[SourceRow] = []
    n_customers = draw(st.integers(1, max_customers))
    by_order = settings.amount_grain == "order"

    def date_text(days_before: int) -> str:
        day = reference - dt.timedelta(days=days_before)
        if draw(st.booleans()):
            return day.isoformat()
        return f"{day.isoformat()} {draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}:07"

    def margin_for(amount: str) -> str | None:
        if settings.monetary_measure == "margin" or draw(st.booleans()):
            cents = int(amount.replace(".", "").replace("-", ""))
            value = (cents * 3) // 10
            sign = "-" if amount.startswith("-") else ""
            return f"{sign}{value // 100}.{value % 100:02d}"
        return None

    for i in range(n_customers):
        base = f"C{i:02d}"
        shape = draw(st.sampled_from(["orders", "orders", "orders", "one_order", "refund_only",
                                      "cancelled_out"]))
        n_orders = {"orders": draw(st.integers(1, 6)), "one_order": 1, "refund_only": 0,
                    "cancelled_out": 1}[shape]
        # a customer's orders tend to share a rhythm, so cycle mode sees real intervals
        start = draw(offset)
        step = draw(st.sampled_from([0, 1, 3, 7, 14, 30, 45, 90]))
        for j in range(n_orders):
            days_before = start if j == 0 else max(-40, start - j * step - draw(st.integers(0, 2)))
            if draw(st.integers(0, 5)) == 0:
                days_before = draw(offset)
            order_id = f"O{i:02d}{j}"
            date = date_text(days_before)
            status = draw(st.sampled_from([None, None, "completed", "Completed ", "shipped", "cancelled",
                                           " TEST", "Canceled"]))
            n_lines = draw(st.integers(1, 3))
            spelling = _spellings(base, draw)
            if by_order:
                # The order's total on its first line (Shopify), on every line (a line export), on
                # none, or a different one on its last line; a refunded order is the refund record.
                if shape == "cancelled_out":
                    status = "refunded"
                total = draw(st.sampled_from(AMOUNTS))
                total_margin = margin_for(total)
                layout = draw(st.sampled_from(["first", "first", "first", "every", "every", "conflict", "none"]))
            for line in range(1, n_lines + 1):
                amount = draw(st.sampled_from(AMOUNTS))
                if by_order:
                    writes = layout == "every" or line == 1 or (layout == "conflict" and line == n_lines)
                    amount = None if layout == "none" or not writes else total
                    if layout == "conflict" and line == n_lines > 1:
                        amount = "11.11"
                    line_status = status if line == 1 or draw(st.booleans()) else None
                    line_id = str(line) if draw(st.booleans()) else None
                    row = SourceRow(order_id, spelling, date, amount, line_status,
                                    total_margin if amount is not None else None, line_id)
                    rows.append(row)
                    if draw(st.integers(0, 6)) == 0:
                        rows.append(SourceRow(**vars(row)))
                    continue
                line_id = str(line) if draw(st.booleans()) else None
                # now and then a line spells the customer differently (one customer unless case-sensitive)
                line_spelling = spelling if draw(st.integers(0, 5)) else _spellings(base, draw)
                row = SourceRow(order_id, line_spelling, date, amount, status, margin_for(amount), line_id)
                rows.append(row)
                if draw(st.integers(0, 6)) == 0:  # an exact duplicate of the row
                    rows.append(SourceRow(**vars(row)))
                elif line_id is not None and draw(st.integers(0, 12)) == 0:
                    # another version of the same line: a conflicting duplicate
                    rows.append(SourceRow(**dict(vars(row), amount="11.11")))
            if not by_order and (shape == "cancelled_out" or draw(st.integers(0, 7)) == 0):
                # a refund line on the order, later; cancelling it out makes it a refund record
                total = sum(int(r.amount.replace(".", "")) for r in rows if r.order_id == order_id
                            and r.status == status)
                refund = f"-{total // 100}.{total % 100:02d}" if shape == "cancelled_out" else "-5.00"
                rows.append(SourceRow(order_id, spelling, date_text(max(-40, days_before - 3)), refund, status,
                                      None, "9"))
        if shape == "refund_only" or draw(st.integers(0, 8)) == 0:
            amount = draw(st.sampled_from(REFUND_AMOUNTS))
            rows.append(SourceRow(f"R{i:02d}", _spellings(base, draw), date_text(draw(offset)), amount, None,
                                  margin_for(amount), None))

    if n_customers >= 2 and draw(st.booleans()):
        # one order id used by two customers (rejected), one of the rows possibly cancelled
        rows.append(SourceRow("OSHARED", "C00", date_text(5), "10.00", None, None, "1"))
        rows.append(SourceRow("OSHARED", "C01", date_text(5), "10.00",
                              draw(st.sampled_from([None, "cancelled"])), None, "2"))
    if draw(st.booleans()):
        rows += draw(st.lists(st.sampled_from([
            SourceRow(None, "C00", "2024-01-01", "1.00"),
            SourceRow("X1", "  ", "2024-01-01", "1.00"),
            SourceRow("X2", "C00", None, "1.00"),
            SourceRow("X3", "C00", "not a date", "1.00"),
            SourceRow("X4", "C00", "2031-02-03", "1.00"),
            SourceRow("X5", "C00", "1989-12-31", "1.00"),
            SourceRow("X6", "C00", "2024-01-01", None),
            SourceRow("X7", "C00", "2024-01-01", "n/a"),
            SourceRow("X8", "C00", "2024-01-01", "1.00", None, "12,5"),
        ]), min_size=1, max_size=4, unique_by=lambda r: r.order_id))

    customers_file = None
    if draw(st.booleans()):
        known = [f"C{i:02d}" for i in range(n_customers) if draw(st.booleans())]
        known = [_spellings(c, draw) for c in known]
        known += [f"P{i}" for i in range(draw(st.integers(0, 3)))]
        known += draw(st.lists(st.sampled_from(["", "   ", "p0", "C00"]), max_size=2))
        customers_file = known
    rows = draw(st.permutations(rows)) if len(rows) <= 60 else rows
    return Scenario(settings, dbt_vars, rows, customers_file)
