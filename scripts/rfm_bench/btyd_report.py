"""Markdown of `make bench-btyd` (target/bench/btyd.md): one section per data set."""
from __future__ import annotations


def _f(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def section(title: str, result: dict) -> str:
    lines = [f"## {title}", "",
             f"As of {result['as_of_date']}, horizon {result['horizon_days']} days: "
             f"{result['customers']} customers with an order by then, "
             f"{result['repeat_customers']} of them repeat customers.", ""]
    params = result["bgnbd_params"]
    lines.append(f"BG/NBD fit (numpy, days): r {params['r']:.4f}, alpha {params['alpha']:.3f}, "
                 f"a {params['a']:.4f}, b {params['b']:.4f}, log-likelihood {params['log_likelihood']:.2f}.")
    if result.get("simulated_params"):
        s = result["simulated_params"]
        lines.append(f"Simulated with r {s['r']}, alpha {s['alpha']}, a {s['a']}, b {s['b']}.")
    if result.get("lifetimes"):
        lt = result["lifetimes"]
        lines.append(f"lifetimes {lt.get('version', '')} BetaGeoFitter on the same summary: "
                     f"r {lt['r']:.4f}, alpha {lt['alpha']:.3f}, a {lt['a']:.4f}, b {lt['b']:.4f}; "
                     f"largest difference in expected orders {lt['max_abs_diff_expected']:.2g}.")
    lines += ["", "| method | AUC of P(≥1 order) | AUC of expected orders | mean P vs share ordered "
              "| mean expected vs observed orders | corr(expected, observed orders) "
              "| worst decile gap vs observed | worst decile gap vs truth |",
              "|---|---|---|---|---|---|---|---|"]
    for name, m in result["methods"].items():
        ratio = m["expected_over_observed"]
        lines.append(
            f"| {name} | {_f(m['auc_probability'])} | {_f(m['auc_expected_orders'])} "
            f"| {_f(m['mean_probability'])} vs {_f(m['share_ordered'])} "
            f"| {_f(m['mean_expected_orders'])} vs {_f(m['mean_observed_orders'])} ({_f(ratio, 2)}×) "
            f"| {_f(m['correlation_expected_orders'])} | {_f(m['max_decile_gap_observed'])} "
            f"| {_f(m['max_decile_gap_truth'])} |")
    lines += ["", "Calibration by decile of each method's own probability (mean predicted / observed share"
              + (" / mean true probability" if "truth (known lambda, p)" in result["methods"] else "") + "):", ""]
    names = list(result["methods"])
    lines.append("| decile | " + " | ".join(names) + " |")
    lines.append("|---|" + "---|" * len(names))
    for i in range(10):
        cells = []
        for name in names:
            d = result["methods"][name]["deciles"][i]
            cells.append(" / ".join(_f(v) for v in [d["score"], *d["columns"]]))
        lines.append(f"| {i + 1} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
