"""The oracle on hand-computed cases, without dbt: agreement between the oracle
and the SQL proves little if both read a rule the same wrong way, so the rules
the README spells out are checked here against numbers worked out by hand."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from oracle.return_oracle import rhythms
from oracle.rfm_oracle import Settings, SourceRow, compute, discrete_percentile, ntile_tie_safe

AS_OF = dt.date(2024, 6, 30)
S = Settings(as_of_date=AS_OF, max_order_date=dt.date(2030, 1, 1), inactivity_mode="tier")


def day(days_before: int) -> str:
    return (AS_OF - dt.timedelta(days=days_before)).isoformat()


def test_ntile_ties_take_the_bucket_of_their_first_row():
    # NTILE(5) over six rows: buckets of 2, 1, 1, 1, 1 rows
    scores = ntile_tie_safe([("a", 30), ("b", 30), ("c", 30), ("d", 20), ("e", 10), ("f", 10)], 5,
                            best_is_high=False)
    assert scores == {"a": 1, "b": 1, "c": 1, "d": 3, "e": 4, "f": 4}
    assert ntile_tie_safe([("a", 1), ("b", 2)], 10, best_is_high=True) == {"a": 1, "b": 2}


def test_discrete_percentile_is_an_observed_value():
    assert discrete_percentile([5, 1, 3, 2, 4], "0.8") == 4  # position 4 of 5
    assert discrete_percentile([5, 1, 3, 2, 4], "0.81") == 5  # 4.05 rounds up to position 5
    assert discrete_percentile([7], "0.01") == 7
    assert discrete_percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "0.9") == 9


def test_threshold_days_count_on_the_earlier_side():
    rows = [SourceRow("O1", "new90", day(90), "10.00"), SourceRow("O2", "new91", day(91), "10.00")]
    rows += [SourceRow(f"L{i}", "loyal", day(100 + i), "5.00") for i in range(5)]
    rows += [SourceRow(f"R{i}", "regular", day(100 + i), "5.00") for i in range(2)]
    rows += [SourceRow(f"X{i}", "regular180", day(180 + i), "5.00") for i in range(2)]
    rows += [SourceRow(f"Y{i}", "regular181", day(181 + i), "5.00") for i in range(2)]
    c = compute(rows, S).customers
    assert (c["new90"].lifecycle_segment, c["new90"].next_segment_if_no_order,
            c["new90"].next_transition_date) == ("new", "one_time", dt.date(2024, 7, 1))
    assert c["new91"].lifecycle_segment == "one_time"
    # the diagonal: same recency (100 days), the loyal tier is inactive, the regular one is not
    assert (c["loyal"].frequency_tier, c["loyal"].lifecycle_segment) == ("loyal", "inactive")
    assert (c["regular"].frequency_tier, c["regular"].lifecycle_segment) == ("regular", "regular")
    assert c["regular180"].lifecycle_segment == "regular"
    assert c["regular180"].next_transition_date == dt.date(2024, 7, 1)
    assert c["regular181"].lifecycle_segment == "inactive"


def test_refunds_are_not_orders():
    rows = [SourceRow("O1", "a", day(10), "10.00", line_id="1"), SourceRow("O1", "a", day(5), "-15.00", line_id="2"),
            SourceRow("R1", "b", day(3), "-20.00"), SourceRow("O2", "c", day(1), "4.00")]
    result = compute(rows, S.with_(as_of_date=None))
    assert result.as_of_date == AS_OF - dt.timedelta(days=1)  # the refund document on day 3 is older anyway
    a = result.customers["a"]
    assert (a.lifetime_orders, a.lifecycle_segment, a.monetary, a.has_refunds, a.r_score) == \
        (0, "lost", Decimal("-5.00"), True, None)
    later_refund = compute(rows + [SourceRow("R2", "b", day(-3), "-1.00")], S.with_(as_of_date=None))
    assert later_refund.as_of_date == AS_OF - dt.timedelta(days=1)  # refunds never move the as-of date


def test_cycle_threshold_rounds_up_within_its_bounds():
    s = S.with_(inactivity_mode="cycle", cycle_multiplier="2.0", cycle_min_days=14)
    rows = [SourceRow(f"A{i}", "every_5_days", day(5 * i), "1.00") for i in range(5)]  # 2 x 5 = 10 -> 14
    rows += [SourceRow(f"B{i}", "every_8_1_3", day(d), "1.00") for i, d in enumerate((0, 8, 17, 25))]  # 16.7 -> 17
    rows += [SourceRow(f"C{i}", "every_300", day(300 * i), "1.00") for i in range(2)]  # 600 -> 180
    c = compute(rows, s).customers
    assert c["every_5_days"].inactivity_threshold_days == 14
    assert c["every_8_1_3"].inactivity_threshold_days == 17
    assert c["every_300"].inactivity_threshold_days == 180


def test_auto_thresholds_and_their_floors():
    s = S.with_(loyal_min_orders="auto", new_customer_days="auto", lost_days="auto")
    rows = [SourceRow(f"O{i}", "two", day(d), "1.00") for i, d in enumerate((0, 0))]  # same-day second order
    result = compute(rows, s)
    assert result.thresholds["new_customer_days"].value == 1  # learned 0, at least 1
    assert result.thresholds["loyal_min_orders"].value == 3  # learned 2, at least 3
    assert result.thresholds["lost_days"].value == 181  # learned 0, one day above inactive_days_regular
    nothing = compute([SourceRow("O1", "one", day(0), "1.00")], s.with_(new_customer_days=400))
    assert (nothing.thresholds["lost_days"].value, nothing.thresholds["lost_days"].set_by) == (401, "auto_fallback")


def test_row_fates():
    rows = [SourceRow("O1", "a", day(1), "1.00", line_id="1"), SourceRow("O1", "a", day(1), "1.00", line_id="1"),
            SourceRow("O2", "a", day(1), "1.00", line_id="1"), SourceRow("O2", "a", day(1), "2.00", line_id="1"),
            SourceRow("O3", "a", day(1), "1.00"), SourceRow("O3", "B", day(1), "1.00", status="Cancelled"),
            SourceRow(" ", "a", day(1), "1.00"), SourceRow("O4", "a", "2024-02-30", "1.00")]
    fates = [(c.row_status, c.rejection_reason) for c in compute(rows, S).rows]
    assert fates == [("kept", None), ("duplicate", None),
                     ("rejected", "conflicting rows for one line_id"), ("rejected", "conflicting rows for one line_id"),
                     ("rejected", "order_id used by several customers"),
                     ("rejected", "order_id used by several customers"),
                     ("rejected", "missing order_id"), ("rejected", "unparseable order_date")]


def test_probability_mode_learns_the_day_the_chance_drops_below_the_var():
    """One group (return_curve_max_orders 1), horizon 10 days. Gaps: one returned after 5 days, open ones of
    3, 25 and 40 days. S = 1 up to day 4, 2/3 from day 5 (3 gaps at risk, 1 returned). The chance of an order
    within 10 days is 1 - (2/3) / 1 = 0.333333 on days 0-4 and 0 from day 5: below 0.3 first on day 5, so the
    threshold is 4 days. With the var at 0.4 every day is below it from day 0: the 1-day floor."""
    rows = [SourceRow("A1", "A", day(30), "10.00"), SourceRow("A2", "A", day(25), "10.00"),
            SourceRow("B1", "B", day(3), "10.00"), SourceRow("C1", "C", day(40), "10.00")]
    s = S.with_(inactivity_mode="probability", inactive_below_return_probability="0.3", return_horizon_days=10,
                return_curve_max_orders=1)
    result = compute(rows, s)
    (learned,) = result.learned.values()
    assert (learned.name, learned.value, learned.set_by, learned.sample_size) == (
        "learned_days_orders_1", 4, "probability", 4)
    c = result.customers
    assert (c["A"].lifecycle_segment, c["A"].inactivity_threshold_days) == ("inactive", 4)
    assert c["B"].lifecycle_segment == "new" and c["B"].next_transition_date == AS_OF + dt.timedelta(days=2)
    assert c["B"].next_segment_if_no_order == "one_time"
    assert c["C"].lifecycle_segment == "one_time"
    floor = compute(rows, s.with_(inactive_below_return_probability="0.4")).learned[1]
    assert (floor.value, floor.set_by) == (1, "probability")


def test_rhythm_factor_spreads_a_group_and_keeps_its_total():
    """The numbers of int_customers_order_rhythm's unit test, worked by hand (k = 1, groups 1, 2 and 3+, at
    least 2 customers). Group 2: a (T 20), b (T 90), z (both orders on the as-of date, T 0); X = 3, D = 110,
    rhythm (1 + 1) / (T + 110 / 3) = 6 / (3 T + 110). With curve expectations 0.5, 0.5, 0.8 the factor is the
    rhythm x 1.8 / (0.5 x 6/170 + 0.5 x 6/380 + 0.8 x 6/110) on the rhythms rounded to 9 decimals."""
    rows = [SourceRow("A1", "a", day(20), "10.00"), SourceRow("A2", "a", day(5), "10.00"),
            SourceRow("B1", "b", day(90), "10.00"), SourceRow("B2", "b", day(5), "10.00"),
            SourceRow("Z1", "z", day(0), "10.00"), SourceRow("Z2", "z", day(0), "10.00"),
            SourceRow("O1", "o1", day(10), "10.00")]
    rows += [SourceRow(f"C{i}", "c", day(d), "10.00") for i, d in enumerate([300, 200, 100, 7])]
    result = compute(rows, S)
    curve = {"a": Decimal("0.5"), "b": Decimal("0.5"), "z": Decimal("0.8"), "o1": Decimal("0.2"),
             "c": Decimal("0.3")}
    got = rhythms(result, curve, max_orders=3, rhythm_prior=Fraction(1), min_customers=2)
    assert got == {"a": (Decimal("0.035294118"), Decimal("0.918345")),
                   "b": (Decimal("0.015789474"), Decimal("0.410839")),
                   "z": (Decimal("0.054545455"), Decimal("1.419260")),
                   "o1": (None, Decimal(1)), "c": (None, Decimal(1))}
    # Without shrinking a rhythm needs days: z has none and keeps the curve; a and b (1/20, 1/90 a day) are unshrunk.
    alone = rhythms(result, curve, max_orders=3, rhythm_prior=Fraction(0), min_customers=1)
    assert alone["z"] == (None, Decimal(1)) and alone["a"][0] == Decimal("0.05")
    assert alone["b"][0] == Decimal("0.011111111")  # 1 / 90
