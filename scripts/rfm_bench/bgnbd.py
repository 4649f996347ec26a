"""A textbook BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way")
in plain numpy, as the reference `make bench-btyd` compares the SQL return curves with.

Why not lifetimes or pymc-marketing at run time: neither is a project dependency (the
issue wants them as a reference only) and scipy is not in the venv. lifetimes 0.11.3 does
install and fit on numpy 2.4 / pandas 3.1 in a separate venv (it pulls in scipy and
autograd); on the same data its fit agrees with this one (docs/return_probability.md).

Everything here is deterministic: the log-gamma differences are exact sums of logs (no
scipy.special), the optimiser is a Nelder-Mead written out on log-parameters with a fixed
start and fixed coefficients.
"""
from __future__ import annotations

import math

import numpy as np


def _log_rising(base: float, counts: np.ndarray) -> np.ndarray:
    """log Gamma(base + n) - log Gamma(base) = sum_{k<n} log(base + k), for integer n >= 0."""
    top = int(counts.max()) if counts.size else 0
    table = np.concatenate([[0.0], np.cumsum(np.log(base + np.arange(top)))])
    return table[counts]


def log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> float:
    """Sum of the BG/NBD log-likelihood (FHL 2005, eq. 6) over customers.

    x: repeat purchases (int), t_x: time of the last purchase since the first, T: time from
    the first purchase to the end of the calibration period (same unit as 1/alpha)."""
    r, alpha, a, b = params
    ln_a1 = _log_rising(r, x) + r * math.log(alpha)
    ln_a2 = _log_rising(b, x) - _log_rising(a + b, x)
    ln_a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    ln_a4 = np.full(x.shape, -np.inf)
    ln_a4[repeat] = (math.log(a) - np.log(b + x[repeat] - 1)
                     - (r + x[repeat]) * np.log(alpha + t_x[repeat]))
    return float(np.sum(ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)))


def nelder_mead(f, start: np.ndarray, step: float = 0.5, tolerance: float = 1e-9,
                max_iterations: int = 5000) -> tuple[np.ndarray, float, int]:
    """Minimise f from start with the standard coefficients (1, 2, 0.5, 0.5). Returns
    (point, value, iterations). Stops when the simplex's values differ by < tolerance."""
    n = start.size
    simplex = [start.astype(float)] + [start + step * np.eye(n)[i] for i in range(n)]
    values = [f(p) for p in simplex]
    for iteration in range(max_iterations):
        order = np.argsort(values, kind="stable")
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        if abs(values[-1] - values[0]) < tolerance * (1 + abs(values[0])):
            break
        centroid = np.mean(simplex[:-1], axis=0)
        worst = simplex[-1]
        reflected = centroid + (centroid - worst)
        f_reflected = f(reflected)
        if f_reflected < values[0]:
            expanded = centroid + 2 * (centroid - worst)
            f_expanded = f(expanded)
            if f_expanded < f_reflected:
                simplex[-1], values[-1] = expanded, f_expanded
            else:
                simplex[-1], values[-1] = reflected, f_reflected
        elif f_reflected < values[-2]:
            simplex[-1], values[-1] = reflected, f_reflected
        else:
            if f_reflected < values[-1]:
                contracted = centroid + 0.5 * (reflected - centroid)
            else:
                contracted = centroid + 0.5 * (worst - centroid)
            f_contracted = f(contracted)
            if f_contracted < min(values[-1], f_reflected):
                simplex[-1], values[-1] = contracted, f_contracted
            else:  # shrink towards the best point
                best = simplex[0]
                simplex = [best] + [best + 0.5 * (p - best) for p in simplex[1:]]
                values = [values[0]] + [f(p) for p in simplex[1:]]
    best = int(np.argmin(values))
    return simplex[best], values[best], iteration + 1


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> dict:
    """Maximum-likelihood (r, alpha, a, b). Optimised on log-parameters (all must be > 0);
    alpha starts at the mean T, the others at 1; a restart from the first optimum lets the
    simplex escape an early collapse."""
    x = np.asarray(x, dtype=np.int64)
    t_x, T = np.asarray(t_x, dtype=float), np.asarray(T, dtype=float)

    def negative(log_params: np.ndarray) -> float:
        if np.any(np.abs(log_params) > 30):
            return math.inf
        value = -log_likelihood(np.exp(log_params), x, t_x, T)
        return value if math.isfinite(value) else math.inf

    point = np.log(np.array([1.0, max(float(T.mean()), 1.0), 1.0, 1.0]))
    iterations = 0
    for _ in range(3):
        point, value, used = nelder_mead(negative, point)
        iterations += used
    r, alpha, a, b = np.exp(point)
    return {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b),
            "log_likelihood": -float(value), "iterations": iterations}


def _hyp2f1(a: np.ndarray, b: np.ndarray, c: np.ndarray, z: np.ndarray,
            max_terms: int = 20_000) -> np.ndarray:
    """Gauss hypergeometric 2F1(a, b; c; z) for 0 <= z < 1 by its power series."""
    term = np.ones_like(z, dtype=float)
    total = term.copy()
    for k in range(max_terms):
        term = term * (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        total += term
        if np.all(np.abs(term) <= 1e-14 * np.abs(total)):
            break
    return total


def predict(params: dict, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, horizon: float) -> dict:
    """Per customer: P(alive), P(>= 1 purchase in the next `horizon`) and the expected
    purchases in it (FHL 2005, eq. 10)."""
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    x = np.asarray(x, dtype=float)
    t_x, T = np.asarray(t_x, dtype=float), np.asarray(T, dtype=float)
    repeat = x > 0
    # the ratio ((alpha+T)/(alpha+t_x))^(r+x) in logs: it overflows for heavy buyers
    odds_dead = np.where(repeat, np.exp(np.minimum(
        np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)),
        700.0)), 0.0)
    p_alive = 1.0 / (1.0 + odds_dead)
    # alive: the rate's posterior is Gamma(r + x, alpha + T), so no purchase in h has
    # probability ((alpha+T)/(alpha+T+h))^(r+x)
    no_purchase_if_alive = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + horizon)))
    p_return = p_alive * (1.0 - no_purchase_if_alive)
    z = horizon / (alpha + T + horizon)
    hyp = _hyp2f1(r + x, b + x, a + b + x - 1, z)
    expected = ((a + b + x - 1) / (a - 1)) * (1.0 - no_purchase_if_alive * hyp) / (1.0 + odds_dead)
    return {"p_alive": p_alive, "p_return": p_return, "expected_orders": expected}
