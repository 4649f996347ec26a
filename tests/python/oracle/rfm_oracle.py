"""A plain-Python reference implementation of the documented rules.

Written from the README sections "The data contract", "How customers are
scored", "Lifecycle segments and thresholds" and "Actions, the moment to act",
never from the SQL: it is the second, independent opinion the property tests
compare the dbt models with. It favours the obvious over the fast (it replays
the segment rules day by day to find the next transition, for instance), so a
shared shortcut cannot hide a shared mistake.

Where the README leaves a detail open, the choice made here is marked
``README-open`` with the reading taken.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

CENT = Decimal("0.01")
# decimal(18, 2): 16 digits before the point.
AMOUNT_LIMIT = Decimal(10) ** 16

SHIPPED_DEFAULTS = {
    "loyal_min_orders": 5,
    "new_customer_days": 90,
    "inactive_days_regular": 180,
    "inactive_days_loyal": 90,
    "lost_days": 365,
}
THRESHOLD_NAMES = tuple(SHIPPED_DEFAULTS)

SEGMENT_ORDER = ("prospect", "new", "one_time", "regular", "loyal", "inactive", "lost")


def _project_default(name: str) -> tuple[str, ...]:
    import pathlib

    import yaml

    project = pathlib.Path(__file__).resolve().parents[3] / "dbt_project.yml"
    return tuple(yaml.safe_load(project.read_text())["vars"][name])


@dataclass(frozen=True)
class Settings:
    """The vars the rules read, with the README's defaults."""

    as_of_date: dt.date | None = None
    lookback_days: int = 730
    monetary_measure: str = "revenue"
    score_buckets: int = 5
    trailing_revenue_days: int = 365
    loyal_min_orders: int | str = 5
    new_customer_days: int | str = 90
    inactive_days_regular: int | str = 180
    inactive_days_loyal: int | str = 90
    lost_days: int | str = 365
    inactivity_mode: str = "cycle"
    inactive_below_return_probability: str = "0.25"
    cycle_multiplier: str = "2.0"
    cycle_min_days: int = 14
    auto_new_customer_percentile: str = "0.8"
    auto_inactive_percentile: str = "0.9"
    auto_loyal_percentile: str = "0.8"
    auto_lost_percentile: str = "0.98"
    # The return curves behind probability mode (the return oracle reads them as arguments).
    return_horizon_days: int = 90
    return_curve_max_orders: int = 5
    # The status lists are data, not rules: the project's defaults, read from dbt_project.yml.
    excluded_statuses: tuple[str, ...] = field(default_factory=lambda: _project_default("excluded_statuses"))
    refund_statuses: tuple[str, ...] = field(default_factory=lambda: _project_default("refund_statuses"))
    customer_id_case_sensitive: bool = True
    # line: an order is the sum of its rows; order: the rows write the order's one amount (or leave it blank).
    amount_grain: str = "line"
    min_order_date: dt.date = dt.date(1990, 1, 1)
    max_order_date: dt.date | None = None  # None: the day of the run

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


@dataclass
class SourceRow:
    """One input row, every value as the text it was read as (None = empty)."""

    order_id: str | None
    customer_id: str | None
    order_date: str | None
    amount: str | None
    status: str | None = None
    margin: str | None = None
    line_id: str | None = None


@dataclass
class ClassifiedRow:
    source: SourceRow
    row_status: str  # rejected | excluded_status | duplicate | kept | merged
    rejection_reason: str | None
    order_id: str | None
    customer_id: str | None
    order_date: dt.date | None
    amount: Decimal | None
    margin: Decimal | None
    status: str | None = None  # trimmed, lower-cased; by order, a blank one is the order's


@dataclass
class NettedOrder:
    order_id: str
    customer_id: str
    order_date: dt.date
    net_amount: Decimal
    net_margin: Decimal | None
    refund_lines: int

    @property
    def is_order(self) -> bool:
        # A net amount of zero or less is a refund record, never an order.
        return self.net_amount > 0


@dataclass
class Threshold:
    name: str
    value: int
    set_by: str  # fixed | auto | auto_fallback
    sample_size: int | None
    configured_value: str


@dataclass
class CustomerResult:
    customer_id: str
    first_order_date: dt.date | None = None
    last_order_date: dt.date | None = None
    recency_days: int | None = None
    frequency: int = 0
    tier_frequency: int = 0
    monetary: Decimal = Decimal("0.00")
    lifetime_orders: int = 0
    lifetime_revenue: Decimal = Decimal("0.00")
    trailing_revenue: Decimal = Decimal("0.00")
    typical_interval_days: Decimal | None = None
    r_score: int | None = None
    f_score: int | None = None
    m_score: int | None = None
    rfm_cell: str | None = None
    rfm_key: str | None = None
    frequency_tier: str = "none"
    inactivity_threshold_days: int | None = None
    lifecycle_segment: str = "prospect"
    next_segment_if_no_order: str | None = None
    next_transition_date: dt.date | None = None
    days_until_transition: int | None = None
    has_refunds: bool = False
    as_of_date: dt.date | None = None
    # not in the mart; kept for the rules
    order_dates: list[dt.date] = field(default_factory=list, repr=False)


@dataclass
class OracleResult:
    as_of_date: dt.date | None
    rows: list[ClassifiedRow]
    netted: list[NettedOrder]
    thresholds: dict[str, Threshold]
    customers: dict[str, CustomerResult]
    # Probability mode: per order-count group, the learned threshold (lifecycle_thresholds' learned rows).
    learned: dict[int, Threshold] = field(default_factory=dict)


# --------------------------------------------------------------------------
# Parsing ("The data contract")
# --------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?)?")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _blank(text: str | None) -> bool:
    return text is None or text.strip() == ""


def parse_date(text: str) -> dt.date | None:
    """A date or timestamp ('2024-03-05', '2024-03-05 14:22:10'); None if not one."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        return None
    try:
        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m[4] is not None:
            dt.time(int(m[4]), int(m[5]), int(m[6]))
    except ValueError:
        return None
    return day


def parse_amount(text: str) -> Decimal | None:
    """Decimal rounded to cents; None if not a number or too large for decimal(18,2).

    README-open: the rounding rule of a third decimal is not specified; half
    away from zero is taken (generated data never carries a third decimal).
    """
    t = text.strip()
    if not _NUMBER.fullmatch(t):
        return None
    try:
        value = Decimal(t).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    if abs(value) >= AMOUNT_LIMIT:
        return None
    return value


# README: "Placeholder ids (NULL, #N/A, -, ...)" -- the list of rfm_placeholder_ids().
PLACEHOLDER_IDS = {"null", "nil", "none", "nan", "n/a", "na", "-", "--", "?", "unknown", "onbekend", "unbekannt",
                   "inconnu", "0",
                   # Excel's error values in English, Dutch, German and French
                   "#n/a", "#null!", "#value!", "#ref!", "#name?", "#div/0!", "#num!", "#spill!", "#calc!",
                   "#field!", "#n/b", "#leeg!", "#waarde!", "#verw!", "#naam?", "#deel/0!", "#getal!", "#nv",
                   "#wert!", "#bezug!", "#zahl!", "#valeur!", "#nom?", "#nombre!", "#nul!"}
_FLOAT_ID = re.compile(r"[0-9]+\.0+")
_SCIENTIFIC_ID = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+")


def clean_id(text: str | None) -> str | None:
    """Trimmed; a whole number written as a float loses its zero decimals (1001.0 -> 1001)."""
    if _blank(text):
        return None
    # README-open: "trimmed" is read as removing spaces (and tabs/newlines) at both ends.
    value = text.strip()
    return value.split(".")[0] if _FLOAT_ID.fullmatch(value) else value


def id_problem(value: str, column: str) -> str | None:
    if value.lower() in PLACEHOLDER_IDS:
        return f"placeholder {column}"
    if _SCIENTIFIC_ID.fullmatch(value):
        return f"{column} in scientific notation"
    return None


def canonical_spellings(rows: list[SourceRow], known_customers: list[str | None] | None) -> dict[str, str]:
    """Case-insensitive matching: each lower-cased id -> the spelling first by code point among all inputs."""
    spellings: dict[str, str] = {}
    for raw in [r.customer_id for r in rows] + list(known_customers or []):
        value = clean_id(raw)
        if value is None or id_problem(value, "customer_id"):
            continue
        key = value.lower()
        spellings[key] = min(spellings.get(key, value), value)
    return spellings


def normalize_customer_id(text: str | None, case_sensitive: bool, canonical: dict[str, str] | None = None
                          ) -> str | None:
    value = clean_id(text)
    if value is None or case_sensitive:
        return value
    return (canonical or {}).get(value.lower(), value)


def normalize_order_id(text: str | None) -> str | None:
    return clean_id(text)


def _trimmed(text: str | None) -> str | None:
    return None if _blank(text) else text.strip()


# --------------------------------------------------------------------------
# Row fates
# --------------------------------------------------------------------------

def classify_rows(rows: list[SourceRow], s: Settings, today: dt.date,
                  known_customers: list[str | None] | None = None) -> list[ClassifiedRow]:
    max_date = s.max_order_date or today
    canonical = canonical_spellings(rows, known_customers)
    refunds = {x.strip().lower() for x in s.refund_statuses}
    by_order = s.amount_grain == "order"
    # By order, a row without a status has its order's, when the order's rows write exactly one.
    statuses_of = defaultdict(set)
    for r in rows if by_order else ():
        if normalize_order_id(r.order_id) is not None and not _blank(r.status):
            statuses_of[normalize_order_id(r.order_id)].add(r.status.strip().lower())
    out: list[ClassifiedRow] = []
    for r in rows:
        order_id = normalize_order_id(r.order_id)
        customer_id = normalize_customer_id(r.customer_id, s.customer_id_case_sensitive, canonical)
        order_date = None if _blank(r.order_date) else parse_date(r.order_date)
        amount = None if _blank(r.amount) else parse_amount(r.amount)
        margin = None if _blank(r.margin) else parse_amount(r.margin)
        status = None if _blank(r.status) else r.status.strip().lower()
        if status is None and len(statuses_of.get(order_id, ())) == 1:
            status = next(iter(statuses_of[order_id]))
        # A refund status makes the row a refund, whatever sign the export wrote.
        if status in refunds:
            amount = None if amount is None else -abs(amount)
            margin = None if margin is None else -abs(margin)
        reason = None
        if order_id is None:
            reason = "missing order_id"
        elif id_problem(order_id, "order_id"):
            reason = id_problem(order_id, "order_id")
        elif customer_id is None:
            reason = "missing customer_id"
        elif id_problem(customer_id, "customer_id"):
            reason = id_problem(customer_id, "customer_id")
        elif _blank(r.order_date):
            reason = "missing order_date"
        elif order_date is None:
            reason = "unparseable order_date"
        elif order_date < s.min_order_date or order_date > max_date:
            reason = "order_date out of range"
        elif _blank(r.amount) and not by_order:
            reason = "missing amount"
        elif not _blank(r.amount) and amount is None:
            reason = "unparseable amount"
        elif not _blank(r.margin) and margin is None:
            reason = "unparseable margin"
        out.append(ClassifiedRow(r, "rejected" if reason else "", reason,
                                 order_id, customer_id, order_date, amount, margin, status))

    # "order_id used by several customers (all rows of such an order)".
    # README-open: counted over the rows that passed the checks above, excluded
    # statuses included (rejection comes before exclusion in the list of fates).
    customers_of = defaultdict(set)
    for c in out:
        if c.rejection_reason is None:
            customers_of[c.order_id].add(c.customer_id)
    for c in out:
        if c.rejection_reason is None and len(customers_of[c.order_id]) > 1:
            c.row_status, c.rejection_reason = "rejected", "order_id used by several customers"

    excluded = {x.strip().lower() for x in s.excluded_statuses}

    def content_of(c: ClassifiedRow) -> tuple:
        # README-open: ids compared normalised, amount and margin as numbers,
        # the date as its trimmed text, status trimmed and lower-cased (as the
        # contract reads status for exclusion), line id trimmed.
        return (c.order_id, c.customer_id, c.source.order_date.strip(), c.amount, c.status,
                c.margin, _trimmed(c.source.line_id))

    for c in out:
        if c.row_status != "rejected" and c.status in excluded:
            c.row_status = "excluded_status"

    # "conflicting rows for one line_id": one line id of an order with two different
    # rows (exact copies aside) rejects every row of the order that is not excluded.
    versions = defaultdict(set)
    for c in out:
        if c.row_status == "" and not _blank(c.source.line_id):
            versions[(c.order_id, _trimmed(c.source.line_id))].add(content_of(c))
    conflicting_orders = {order_id for (order_id, _), contents in versions.items() if len(contents) > 1}
    for c in out:
        if c.row_status == "" and c.order_id in conflicting_orders:
            c.row_status, c.rejection_reason = "rejected", "conflicting rows for one line_id"

    if by_order:
        # The order's amount and margin: the lines that write one must write the same; a line writes none.
        amounts, margins = defaultdict(set), defaultdict(set)
        for c in out:
            if c.row_status == "":
                amounts[c.order_id] |= {c.amount} - {None}
                margins[c.order_id] |= {c.margin} - {None}
        for c in out:
            if c.row_status != "":
                continue
            if len(amounts[c.order_id]) > 1 or len(margins[c.order_id]) > 1:
                c.row_status, c.rejection_reason = "rejected", "conflicting amounts for one order"
            elif not amounts[c.order_id]:
                c.row_status, c.rejection_reason = "rejected", "missing amount"

    seen_rows = set()
    seen_orders = set()
    for c in out:
        if c.row_status in ("rejected", "excluded_status"):
            continue
        key = content_of(c)
        if key in seen_rows:
            c.row_status = "duplicate"
            continue
        seen_rows.add(key)
        if c.order_id in seen_orders:
            c.row_status = "merged"
        else:
            seen_orders.add(c.order_id)
            c.row_status = "kept"
    return out


def net_orders(rows: list[ClassifiedRow], amount_grain: str = "line") -> list[NettedOrder]:
    by_id: dict[str, list[ClassifiedRow]] = defaultdict(list)
    for c in rows:
        if c.row_status in ("kept", "merged"):
            by_id[c.order_id].append(c)
    netted = []
    for order_id, lines in by_id.items():
        amounts = [c.amount for c in lines if c.amount is not None]
        margins = [c.margin for c in lines if c.margin is not None]
        if amount_grain == "order":  # every line that writes them writes the same (classify_rows)
            amounts, margins = amounts[:1], margins[:1]
        netted.append(NettedOrder(
            order_id=order_id,
            customer_id=lines[0].customer_id,
            order_date=min(c.order_date for c in lines),
            net_amount=sum(amounts, Decimal("0.00")),
            net_margin=sum(margins, Decimal("0.00")) if margins else None,
            refund_lines=sum(1 for c in lines if c.amount is not None and c.amount < 0),
        ))
    return netted


# --------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------

def discrete_percentile(values: list[int], percentile: str) -> int:
    """The smallest observed value whose 1-based position in ascending order
    reaches percentile x count."""
    ordered = sorted(values)
    position = max(1, math.ceil(Fraction(percentile) * len(ordered)))
    return ordered[position - 1]


def _in_window(day: dt.date, end: dt.date, days: int) -> bool:
    """Dated after end - days, up to and including end."""
    return end - dt.timedelta(days=days) < day <= end


def ntile_tie_safe(values: list[tuple[str, object]], buckets: int, best_is_high: bool) -> dict[str, int]:
    """NTILE over customers sorted worst to best; a tie group takes the bucket of its first row."""
    if not values:
        return {}
    ordered = sorted(values, key=lambda kv: kv[1], reverse=not best_is_high)
    n = len(ordered)
    size, extra = divmod(n, buckets)
    bucket_of_position = []
    for b in range(1, buckets + 1):
        bucket_of_position += [b] * (size + (1 if b <= extra else 0))
    scores = {}
    group_value, group_score = object(), None
    for position, (key, value) in enumerate(ordered):
        if value != group_value:
            group_value, group_score = value, bucket_of_position[position]
        scores[key] = group_score
    return scores


def score_letter(score: int, buckets: int) -> str:
    # A = best (score = buckets). README-open: the alphabet ends at 26 buckets;
    # wider scales show the number (as the mart's column documentation says).
    return chr(ord("A") + buckets - score) if buckets <= 26 else str(score)


def segment_of(recency: int | None, window_orders: int, lifetime_orders: int, has_records: bool,
               tier_frequency: int, inactivity_threshold: int | None, th: dict[str, int]) -> str:
    """The README's table, applied in its order (in probability mode `th` carries the learned
    new_customer_days of the customer's order count)."""
    if lifetime_orders == 0 and not has_records:
        return "prospect"
    if window_orders == 0 or recency > th["lost_days"]:
        return "lost"
    if lifetime_orders == 1:
        return "new" if recency <= th["new_customer_days"] else "one_time"
    if recency > inactivity_threshold:
        return "inactive"
    if tier_frequency >= th["loyal_min_orders"]:
        return "loyal"
    return "regular"


# --------------------------------------------------------------------------
# The whole computation
# --------------------------------------------------------------------------

def compute(rows: list[SourceRow], settings: Settings, *, known_customers: list[str | None] | None = None,
            today: dt.date | None = None) -> OracleResult:
    s = settings
    today = today or dt.date.today()
    classified = classify_rows(rows, s, today, known_customers)
    canonical = canonical_spellings(rows, known_customers)
    netted = net_orders(classified, s.amount_grain)

    # As-of date: the var, or the latest valid order date in the data.
    # README-open, settled by "Refunds are not orders ... never counts as an
    # order, for frequency, recency or anything else": refund records do not
    # move the as-of date. No order at all leaves it unresolved (None).
    as_of = s.as_of_date or max((o.order_date for o in netted if o.is_order), default=None)

    records_by_customer: dict[str, list[NettedOrder]] = defaultdict(list)
    if as_of is not None:
        for o in netted:
            if o.order_date <= as_of:
                records_by_customer[o.customer_id].append(o)

    customers: dict[str, CustomerResult] = {}
    for cid, recs in records_by_customer.items():
        orders = sorted((o for o in recs if o.is_order), key=lambda o: o.order_date)
        dates = [o.order_date for o in orders]
        c = CustomerResult(customer_id=cid, as_of_date=as_of, order_dates=dates)
        c.lifetime_orders = len(orders)
        c.lifetime_revenue = sum((o.net_amount for o in recs), Decimal("0.00"))
        c.has_refunds = any(not o.is_order for o in recs)  # README-open: a refund record up to as-of
        window = [o for o in recs if _in_window(o.order_date, as_of, s.lookback_days)]
        c.frequency = sum(1 for o in window if o.is_order)
        if s.monetary_measure == "margin":
            c.monetary = sum((o.net_margin or Decimal("0.00") for o in window), Decimal("0.00"))
        else:
            c.monetary = sum((o.net_amount for o in window), Decimal("0.00"))
        c.trailing_revenue = sum((o.net_amount for o in recs
                                  if _in_window(o.order_date, as_of, s.trailing_revenue_days)), Decimal("0.00"))
        if orders:
            c.first_order_date, c.last_order_date = dates[0], dates[-1]
            c.recency_days = (as_of - c.last_order_date).days
            c.tier_frequency = sum(1 for d in dates if _in_window(d, c.last_order_date, s.lookback_days))
            if len(dates) > 1:
                interval = Fraction((dates[-1] - dates[0]).days, len(dates) - 1)
                c.typical_interval_days = (Decimal(interval.numerator) / Decimal(interval.denominator)
                                           ).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        customers[cid] = c

    for raw in known_customers or []:
        cid = normalize_customer_id(raw, s.customer_id_case_sensitive, canonical)
        if cid is not None and id_problem(cid, "customer_id") is None and cid not in customers:
            customers[cid] = CustomerResult(customer_id=cid, as_of_date=as_of)

    thresholds = resolve_thresholds(s, customers, as_of)
    th = {name: t.value for name, t in thresholds.items()}
    result = OracleResult(as_of, classified, netted, thresholds, customers)
    if s.inactivity_mode == "probability":
        result.learned = learn_thresholds(s, result, th["lost_days"])

    # Scores: only customers with at least one order.
    scored = [c for c in customers.values() if c.lifetime_orders > 0]
    buckets = s.score_buckets
    r = ntile_tie_safe([(c.customer_id, c.recency_days) for c in scored], buckets, best_is_high=False)
    f = ntile_tie_safe([(c.customer_id, c.frequency) for c in scored], buckets, best_is_high=True)
    m = ntile_tie_safe([(c.customer_id, c.monetary) for c in scored], buckets, best_is_high=True)
    for c in scored:
        c.r_score, c.f_score, c.m_score = r[c.customer_id], f[c.customer_id], m[c.customer_id]
        parts = [str(c.r_score), str(c.f_score), str(c.m_score)]
        c.rfm_cell = ("-" if buckets >= 10 else "").join(parts)
        c.rfm_key = "-".join(score_letter(x, buckets) for x in (c.r_score, c.f_score, c.m_score))

    for c in customers.values():
        c_th = th
        if result.learned and c.lifetime_orders > 0:
            # Probability mode: the learned days of the customer's order count replace new_customer_days
            # (one order) and the tier or cycle threshold (repeat customers).
            c_th = dict(th, learned=result.learned[min(c.lifetime_orders, s.return_curve_max_orders)].value)
            c_th["new_customer_days"] = c_th["learned"]
        c.frequency_tier = frequency_tier(c, th)
        c.inactivity_threshold_days = inactivity_threshold(c, s, c_th)
        has_records = c.customer_id in records_by_customer
        c.lifecycle_segment = segment_of(c.recency_days, c.frequency, c.lifetime_orders, has_records,
                                         c.tier_frequency, c.inactivity_threshold_days, c_th)
        next_transition(c, s, c_th, as_of, has_records)
    return result


def learn_thresholds(s: Settings, result: OracleResult, lost_days: int) -> dict[int, Threshold]:
    """The learned diagonal (docs/return_probability.md): per order-count group, the first day since the
    last order whose return probability within the horizon is below the var; the customer turns one-time
    or inactive on that day, so the threshold is the day before (at least 1). No such day within the
    curve's reach (or no curve): lost_days."""
    from .return_oracle import curves, probability_on

    group_curves = curves(result, s.return_horizon_days, s.return_curve_max_orders)
    below = Decimal(s.inactive_below_return_probability)
    out = {}
    for group in range(1, s.return_curve_max_orders + 1):
        curve = group_curves.get(group)
        crossing = None
        if curve is not None:
            crossing = next((day for day in range(curve.reach + 1)
                             if (p := probability_on(curve, day, s.return_horizon_days)) is not None and p < below),
                            None)
        label = f"{group}+" if group == s.return_curve_max_orders and group > 1 else str(group)
        out[group] = Threshold(
            f"learned_days_orders_{label}",
            lost_days if crossing is None else max(crossing - 1, 1),
            "probability_fallback" if crossing is None else "probability",
            curve.gaps if curve is not None else 0,
            s.inactive_below_return_probability,
        )
    return out


def frequency_tier(c: CustomerResult, th: dict[str, int]) -> str:
    if c.lifetime_orders == 0:
        return "none"
    if c.lifetime_orders == 1:
        return "one_order"
    return "loyal" if c.tier_frequency >= th["loyal_min_orders"] else "regular"


def inactivity_threshold(c: CustomerResult, s: Settings, th: dict[str, int]) -> int | None:
    if c.frequency_tier not in ("loyal", "regular"):
        return None
    if s.inactivity_mode == "probability":
        return th["learned"]
    tier_threshold = th["inactive_days_loyal"] if c.frequency_tier == "loyal" else th["inactive_days_regular"]
    if s.inactivity_mode == "tier":
        return tier_threshold
    span = (c.last_order_date - c.first_order_date).days
    own_cycle = math.ceil(Fraction(s.cycle_multiplier) * Fraction(span, c.lifetime_orders - 1))
    # README-open: when cycle_min_days exceeds the tier threshold the two bounds
    # conflict; "at most their tier's threshold" is applied last.
    return min(max(own_cycle, s.cycle_min_days), tier_threshold)


def next_transition(c: CustomerResult, s: Settings, th: dict[str, int], as_of: dt.date | None,
                    has_records: bool) -> None:
    """Replay the rules day by day without a new order; the first day that gives
    another segment is the transition."""
    if c.lifetime_orders == 0 or c.lifecycle_segment == "lost":
        return
    horizon = max(th["lost_days"], s.lookback_days) + 2
    day = as_of
    while (day - c.last_order_date).days <= horizon:
        day += dt.timedelta(days=1)
        recency = (day - c.last_order_date).days
        window_orders = sum(1 for d in c.order_dates if _in_window(d, day, s.lookback_days))
        seg = segment_of(recency, window_orders, c.lifetime_orders, has_records, c.tier_frequency,
                         c.inactivity_threshold_days, th)
        if seg != c.lifecycle_segment:
            c.next_segment_if_no_order = seg
            c.next_transition_date = day
            c.days_until_transition = (day - as_of).days
            return
    raise AssertionError(f"no transition found for {c.customer_id}")


def resolve_thresholds(s: Settings, customers: dict[str, CustomerResult], as_of: dt.date | None
                       ) -> dict[str, Threshold]:
    out: dict[str, Threshold] = {}

    def resolve(name: str, sample: list[int], percentile: str, floor: int) -> None:
        configured = getattr(s, name)
        if configured != "auto":
            out[name] = Threshold(name, int(configured), "fixed", None, str(configured))
        elif sample:
            out[name] = Threshold(name, max(floor, discrete_percentile(sample, percentile)), "auto",
                                  len(sample), "auto")
        else:
            # README-open: the floors (at least 3 / 1 / one more than the others) are
            # applied to the fallback too, so the resolved set stays consistent.
            out[name] = Threshold(name, max(floor, SHIPPED_DEFAULTS[name]), "auto_fallback", 0, "auto")

    repeaters = [c for c in customers.values() if c.lifetime_orders >= 2]
    resolve("loyal_min_orders", [c.tier_frequency for c in customers.values() if c.tier_frequency >= 2],
            s.auto_loyal_percentile, 3)
    # README-open: "customers who ordered twice" read as customers with a second order.
    # README-open: no floor was written for new_customer_days; the fixed var's range
    # starts at 1 and a 0 would make "new" last only the day of the order, so the
    # README now says "at least 1" (amended with this oracle).
    resolve("new_customer_days", [(c.order_dates[1] - c.order_dates[0]).days for c in repeaters],
            s.auto_new_customer_percentile, 1)

    def gaps(c: CustomerResult) -> list[int]:
        return [(later - earlier).days for earlier, later in zip(c.order_dates, c.order_dates[1:])
                if _in_window(later, as_of, s.lookback_days)]

    loyal_min = out["loyal_min_orders"].value
    loyal_gaps, regular_gaps = [], []
    for c in repeaters:
        (loyal_gaps if c.tier_frequency >= loyal_min else regular_gaps).extend(gaps(c))
    resolve("inactive_days_regular", regular_gaps, s.auto_inactive_percentile, 1)
    resolve("inactive_days_loyal", loyal_gaps, s.auto_inactive_percentile, 1)
    others = max(out[n].value for n in ("new_customer_days", "inactive_days_regular", "inactive_days_loyal"))
    resolve("lost_days", regular_gaps + loyal_gaps, s.auto_lost_percentile, others + 1)
    return out


def threshold_table(s: Settings, result: OracleResult) -> dict[str, tuple]:
    """lifecycle_thresholds as (value, set_by, sample_size, configured_value) per name."""
    rows = {name: (Decimal(t.value), t.set_by, t.sample_size, t.configured_value)
            for name, t in result.thresholds.items()}
    rows["inactivity_mode"] = (None, "fixed", None, s.inactivity_mode)
    for t in result.learned.values():
        rows[t.name] = (Decimal(t.value), t.set_by, t.sample_size, t.configured_value)
    for name in ("trailing_revenue_days", "score_buckets", "lookback_days", "cycle_min_days"):
        rows[name] = (Decimal(getattr(s, name)), "fixed", None, str(getattr(s, name)))
    rows["cycle_multiplier"] = (Decimal(s.cycle_multiplier), "fixed", None, s.cycle_multiplier)
    return rows


def accounting(result: OracleResult) -> dict[tuple[str, str | None], tuple[int, Decimal]]:
    """orders_accounting: source rows and amount per fate (and reason)."""
    out: dict[tuple[str, str | None], list] = defaultdict(lambda: [0, Decimal("0.00")])
    for c in result.rows:
        key = (c.row_status, c.rejection_reason)
        out[key][0] += 1
        if c.amount is not None:
            out[key][1] += c.amount
    return {k: (v[0], v[1]) for k, v in out.items()}
