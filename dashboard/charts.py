"""Plotly figures of the dashboard, one function per chart, built from mart frames only."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from dashboard.data import ACTIVE_SEGMENTS, LEARNED_PREFIX, SEGMENTS, learned_diagonal, rf_boundary

SEGMENT_COLORS = {
    "prospect": "#9e9e9e",
    "new": "#64b5f6",
    "one_time": "#ffb74d",
    "regular": "#1e88e5",
    "loyal": "#2e7d32",
    "inactive": "#f57c00",
    "lost": "#c62828",
    "none": "#cfd8dc",
}
NOT_ACTIVE = tuple(segment for segment in SEGMENTS if segment not in ACTIVE_SEGMENTS)


def _layout(figure: go.Figure, title: str, height: int = 380) -> go.Figure:
    figure.update_layout(title=title, height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return figure


def segment_bars(summary: pd.DataFrame, value: str, title: str) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            x=summary["lifecycle_segment"].tolist(),
            y=summary[value].astype(float).tolist(),
            marker_color=[SEGMENT_COLORS[segment] for segment in summary["lifecycle_segment"]],
            name=value,
        )
    )
    figure.update_xaxes(categoryorder="array", categoryarray=summary["lifecycle_segment"].tolist())
    return _layout(figure, title)


def _score_label(prefix: str, score: int, ranges: pd.DataFrame, measure: str, unit: str) -> str:
    row = ranges[(ranges["measure"] == measure) & (ranges["score"] == score)]
    if row.empty:
        return f"{prefix}{score}"
    low, high = float(row["min_value"].iloc[0]), float(row["max_value"].iloc[0])
    if low == high:
        return f"{prefix}{score} ({low:.0f} {unit.rstrip('s') if low == 1 else unit})"
    return f"{prefix}{score} ({low:.0f}–{high:.0f} {unit})"


def rf_heatmap(
    rf_matrix: pd.DataFrame, score_ranges: pd.DataFrame, thresholds: pd.DataFrame | None = None
) -> go.Figure:
    """Customers per R x F cell, with the active/inactive and the lost line drawn through the grid,
    and in inactivity_mode probability the learned diagonal (lifecycle_thresholds' learned rows)."""
    r_scores = sorted(rf_matrix["r_score"].unique())
    f_scores = sorted(rf_matrix["f_score"].unique())
    grid = rf_matrix.pivot(index="r_score", columns="f_score", values="customers").reindex(
        index=r_scores, columns=f_scores
    )
    dominant = rf_matrix.pivot(index="r_score", columns="f_score", values="dominant_segment").reindex(
        index=r_scores, columns=f_scores
    )
    text = [
        [
            f"{int(grid.loc[r, f]):,}<br>{dominant.loc[r, f]}" if grid.loc[r, f] > 0 else ""
            for f in f_scores
        ]
        for r in r_scores
    ]
    figure = go.Figure(
        go.Heatmap(
            x=[int(f) for f in f_scores],
            y=[int(r) for r in r_scores],
            z=grid.astype(int).values.tolist(),
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            colorbar={"title": "customers"},
            hovertemplate="R%{y} F%{x}: %{z} customers<extra></extra>",
            name="customers",
        )
    )
    lines = (
        ("active | inactive", NOT_ACTIVE, "#000000", "solid"),
        ("lost", ("lost",), SEGMENT_COLORS["lost"], "dash"),
    )
    for name, below, color, dash in lines:
        xs: list[float | None] = []
        ys: list[float | None] = []
        previous_f_score = None
        for f_score, r_score in rf_boundary(rf_matrix, below):
            if previous_f_score is not None and f_score != previous_f_score + 1:
                # An empty column says nothing about the line: leave a gap rather than guess.
                xs.append(None)
                ys.append(None)
            xs += [f_score - 0.5, f_score + 0.5]
            ys += [r_score - 0.5, r_score - 0.5]
            previous_f_score = f_score
        figure.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", name=f"threshold: {name}",
                line={"color": color, "width": 4, "dash": dash},
            )
        )
    learned = learned_diagonal(thresholds, score_ranges, [int(f) for f in f_scores]) if thresholds is not None else []
    if learned:
        below = thresholds.loc[
            thresholds["threshold_name"].astype(str).str.startswith(LEARNED_PREFIX), "configured_value"
        ].iloc[0]
        figure.add_trace(
            go.Scatter(
                x=[point[0] if point else None for point in learned],
                y=[point[1] if point else None for point in learned],
                mode="lines", name=f"learned diagonal: return probability below {below}",
                line={"color": "#d62728", "width": 3, "dash": "dot"},
            )
        )
    figure.update_xaxes(
        title="frequency score (orders in the look-back window)",
        tickvals=[int(f) for f in f_scores],
        ticktext=[_score_label("F", int(f), score_ranges, "frequency", "orders") for f in f_scores],
    )
    figure.update_yaxes(
        title="recency score (days since the last order)",
        tickvals=[int(r) for r in r_scores],
        ticktext=[_score_label("R", int(r), score_ranges, "recency_days", "d") for r in r_scores],
    )
    figure.update_layout(legend={"orientation": "h", "y": -0.25})
    return _layout(figure, "RF matrix: customers per cell, dominant segment, and the diagonal", height=560)


def segment_trend_area(trends: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    for segment in SEGMENTS:
        rows = trends[trends["lifecycle_segment"] == segment]
        figure.add_trace(
            go.Scatter(
                x=[str(value) for value in rows["period_end_date"]],
                y=rows["customers"].astype(int).tolist(),
                name=segment,
                mode="lines",
                stackgroup="customers",
                line={"color": SEGMENT_COLORS[segment]},
            )
        )
    figure.update_xaxes(title="period end")
    figure.update_yaxes(title="customers")
    return _layout(figure, "Customers per segment at each period end")


def segment_trend_revenue(trends: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    for segment in SEGMENTS:
        rows = trends[trends["lifecycle_segment"] == segment]
        figure.add_trace(
            go.Bar(
                x=[str(value) for value in rows["period_end_date"]],
                y=rows["revenue_in_period"].astype(float).tolist(),
                name=segment,
                marker_color=SEGMENT_COLORS[segment],
            )
        )
    figure.update_layout(barmode="relative")
    figure.update_xaxes(title="period end")
    figure.update_yaxes(title="net revenue in the period")
    return _layout(figure, "Revenue in each period by segment")


def _translucent(color: str, alpha: float = 0.35) -> str:
    red, green, blue = (int(color[index:index + 2], 16) for index in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def migration_sankey(
    transitions: pd.DataFrame, from_date: dt.date, to_date: dt.date
) -> go.Figure:
    """Customers flowing from their segment at from_date (left) to their segment at to_date (right)."""
    order = ("none", *SEGMENTS)
    sources = [segment for segment in order if segment in set(transitions["from_segment"])]
    targets = [segment for segment in order if segment in set(transitions["to_segment"])]
    labels = [
        ("not known yet" if segment == "none" else segment) + f" · {from_date}" for segment in sources
    ] + [f"{segment} · {to_date}" for segment in targets]
    flows = transitions[transitions["customers"] > 0]
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "color": [SEGMENT_COLORS[segment] for segment in (*sources, *targets)],
                "pad": 12,
            },
            link={
                "color": [_translucent(SEGMENT_COLORS[segment]) for segment in flows["from_segment"]],
                "source": [sources.index(segment) for segment in flows["from_segment"]],
                "target": [len(sources) + targets.index(segment) for segment in flows["to_segment"]],
                "value": flows["customers"].astype(int).tolist(),
            },
        )
    )
    return _layout(figure, f"Migration from {from_date} to {to_date} (customers)", height=480)


def repeat_curve(curve: pd.DataFrame, new_customer_days: float | None, knee_day: float | None) -> go.Figure:
    """Bars: per bucket, the share of customers still waiting who placed their second order in it
    (left axis). Line: the share of all first-order customers with a second order by the bucket's
    last day (right axis, drawn on top)."""
    starts = curve["bucket_start_day"].astype(int)
    ends = curve["bucket_end_day"].astype(int)
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=((starts + ends + 1) / 2).tolist(),
            width=(ends - starts + 1).tolist(),
            y=curve["conditional_repeat_rate"].astype(float).fillna(0).tolist(),
            name="second orders / customers still waiting (per bucket)",
            marker={"color": "#90caf9", "line": {"color": "#ffffff", "width": 1}},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=ends.tolist(),
            y=curve["cumulative_repeat_share"].astype(float).tolist(),
            name="share of first-order customers with a second order",
            mode="lines+markers",
            line={"color": "#0d47a1", "width": 3},
            yaxis="y2",
        )
    )
    if new_customer_days is not None:
        figure.add_vline(
            x=new_customer_days, line={"color": SEGMENT_COLORS["lost"], "width": 3, "dash": "dash"},
            annotation_text=f"new-customer threshold: {new_customer_days:.0f} days",
            annotation_position="top right",
        )
    if knee_day is not None:
        figure.add_vline(
            x=knee_day, line={"color": "#6a1b9a", "width": 2, "dash": "dot"},
            annotation_text=f"knee: {knee_day:.0f} days", annotation_position="bottom right",
        )
    figure.update_layout(
        xaxis={"title": "days since the first order", "rangemode": "tozero"},
        yaxis={"title": "repeat rate in the bucket", "tickformat": ".0%", "rangemode": "tozero"},
        yaxis2={
            "title": "cumulative repeat share", "overlaying": "y", "side": "right",
            "tickformat": ".0%", "rangemode": "tozero", "showgrid": False,
        },
        legend={"orientation": "h", "y": -0.2},
        bargap=0,
    )
    return _layout(figure, "Repeat-purchase curve", height=440)


# --- Will they come back? (return_curves, lifecycle_backtest, return_probability_calibration) ------

OBSERVED_COLOR = "#1e88e5"
PREDICTED_COLOR = "#ff8f00"
CURVE_DAYS_SHOWN = 365  # the diagonal shows in the first year; zooming out shows the whole reach


def _floats(values) -> list[float | None]:
    return [None if pd.isna(value) else float(value) for value in values]


def return_curves(curves: pd.DataFrame, horizon_days: int) -> go.Figure:
    """Per order-count group, the return probability within the horizon by days since the last order
    (to the group's reach: past it no customer of the group is that far away)."""
    figure = go.Figure()
    for _, group in curves.groupby("order_count_group", sort=True):
        rows = group[group["return_probability"].notna()]
        figure.add_trace(go.Scatter(
            x=rows["days_since_last_order"].astype(int).tolist(), y=_floats(rows["return_probability"]),
            mode="lines", name=f"{group['order_count_label'].iloc[0]} orders",
        ))
    reach = int(curves["days_since_last_order"].max()) if len(curves) else 0
    figure.update_xaxes(title="days since the last order", range=[0, min(reach, CURVE_DAYS_SHOWN)])
    figure.update_yaxes(title=f"chance of an order within {horizon_days} days", tickformat=".0%", range=[0, 1])
    figure.update_layout(legend={"title": "orders so far"})
    return _layout(figure, f"Return probability within {horizon_days} days, by orders so far", height=440)


def backtest_shares(rows: pd.DataFrame, backtest_date: dt.date, horizon_days: int) -> go.Figure:
    """Per lifecycle segment on the back-test date: the share that ordered in the horizon beside the
    mean predicted probability (prospects have none)."""
    segments = rows["lifecycle_segment"].tolist()
    figure = go.Figure([
        go.Bar(x=segments, y=_floats(rows["ordered_share"]), name="ordered (observed)",
               marker_color=[SEGMENT_COLORS.get(segment, OBSERVED_COLOR) for segment in segments]),
        go.Bar(x=segments, y=_floats(rows["predicted_share"]), name="predicted",
               marker={"color": "rgba(0, 0, 0, 0)", "line": {"color": "#212121", "width": 2}}),
    ])
    figure.update_layout(barmode="group", legend={"orientation": "h", "y": -0.2})
    figure.update_xaxes(categoryorder="array", categoryarray=segments)
    figure.update_yaxes(title=f"share that ordered within {horizon_days} days", tickformat=".0%")
    return _layout(figure, f"Segments on {backtest_date}: who ordered in the next {horizon_days} days")


def _per_date(calibration: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return calibration.drop_duplicates("backtest_date")[["backtest_date", *columns]].sort_values("backtest_date")


def _mark_date(figure: go.Figure, backtest_date: dt.date) -> None:
    figure.add_vline(x=str(backtest_date), line={"color": "#6a1b9a", "width": 2, "dash": "dot"})


def backtest_auc(calibration: pd.DataFrame, backtest_date: dt.date) -> go.Figure:
    dates = _per_date(calibration, ["date_auc"])
    figure = go.Figure(go.Scatter(
        x=[str(day) for day in dates["backtest_date"]], y=_floats(dates["date_auc"]),
        mode="lines+markers", name="AUC", line={"color": OBSERVED_COLOR, "width": 3},
    ))
    figure.add_hline(y=0.5, line={"color": "#9e9e9e", "dash": "dash"}, annotation_text="0.5: a coin")
    _mark_date(figure, backtest_date)
    figure.update_xaxes(title="back-test date")
    figure.update_yaxes(title="AUC", range=[0.4, 1])
    return _layout(figure, "How well the probability ranks: AUC per back-test date")


def backtest_orders(calibration: pd.DataFrame, backtest_date: dt.date) -> go.Figure:
    dates = _per_date(calibration, ["date_expected_orders_per_customer", "date_orders_per_customer"])
    days = [str(day) for day in dates["backtest_date"]]
    figure = go.Figure([
        go.Scatter(x=days, y=_floats(dates["date_orders_per_customer"]), mode="lines+markers",
                   name="orders that followed (observed)", line={"color": OBSERVED_COLOR, "width": 3}),
        go.Scatter(x=days, y=_floats(dates["date_expected_orders_per_customer"]), mode="lines+markers",
                   name="expected orders (predicted)", line={"color": PREDICTED_COLOR, "width": 3, "dash": "dash"}),
    ])
    _mark_date(figure, backtest_date)
    figure.update_layout(legend={"orientation": "h", "y": -0.2})
    figure.update_xaxes(title="back-test date")
    figure.update_yaxes(title="orders per customer in the horizon", rangemode="tozero")
    return _layout(figure, "Mean expected vs observed orders per customer")


def calibration_deciles(rows: pd.DataFrame, backtest_date: dt.date) -> go.Figure:
    """Per decile of the probability on the date: the mean predicted probability beside the share that ordered."""
    deciles = [str(int(decile)) for decile in rows["decile"]]
    figure = go.Figure([
        go.Bar(x=deciles, y=_floats(rows["ordered_share"]), name="ordered (observed)", marker_color=OBSERVED_COLOR),
        go.Bar(x=deciles, y=_floats(rows["predicted_share"]), name="predicted", marker_color=PREDICTED_COLOR),
    ])
    figure.update_layout(barmode="group", legend={"orientation": "h", "y": -0.2})
    figure.update_xaxes(title="decile of the return probability (10 = most likely)", type="category")
    figure.update_yaxes(title="share that ordered", tickformat=".0%", range=[0, 1])
    return _layout(figure, f"Calibration on {backtest_date}: predicted vs observed, by decile")
