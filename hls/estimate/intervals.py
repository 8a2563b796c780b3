"""The interval of every estimated figure, from how far the estimate has been off on real reports.

`l1cnn calibrate --update` writes calibration_data.json beside this module: per figure, the
quantiles of estimate / real over the calibration designs (CENTRAL: the middle 68%). A figure
estimated as E then lies in [E / q84, E / q16] as often as the calibration designs did; the
median |error| says how far off a typical estimate was. Quantiles of a handful of designs understate
the spread: where the figure's io type has fewer than FEW_DESIGNS designs, the interval covers both the
whole range of that io type's designs and the central 68% of all designs.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

CALIBRATION_FILE = Path(__file__).with_name("calibration_data.json")
FEW_DESIGNS = 5
TOTAL_KEYS = {"lut": "lut", "ff": "ff", "dsp": "dsp", "bram_18k": "bram_18k", "latency": "latency_cycles",
              "ii": "ii_cycles"}  # calibration figure -> estimate total key


@lru_cache(maxsize=1)
def _calibration() -> dict:
    try:
        return json.loads(CALIBRATION_FILE.read_text())
    except (OSError, ValueError):
        return {}


def _summary() -> dict:
    return _calibration().get("summary") or {}


def per_layer_errors() -> dict:
    """{source: {figure: {n_layers, n_designs, median_abs_error, max_abs_error, ratio_median}}}: how far
    each layer's estimate has been from the real per-layer rows (C synthesis instances, Vivado
    hierarchical utilization) of the calibration designs; empty if no calibration has been written."""
    return _calibration().get("per_layer") or {}


def intervals(total: dict, io_type: str | None = None) -> dict:
    """{figure: {low, high, median_abs_error, n_designs, from}} for the figures of an estimate's total,
    from the calibration designs of the same io type where there are enough, else from all of them;
    empty if no calibration has been written."""
    out = {}
    for fig, key in TOTAL_KEYS.items():
        cal = _summary().get(fig)
        if cal is None or key not in total:
            continue
        own = (cal.get("by_io_type") or {}).get(io_type)
        lo_r, hi_r = _central(own or cal)
        scope = f"the central 68% of the {io_type} designs" if own else "the central 68% of all designs"
        if own and own["n_designs"] < FEW_DESIGNS and "ratio_range" in own:
            all_lo, all_hi = _central(cal)
            lo_r, hi_r = min(own["ratio_range"][0], all_lo), max(own["ratio_range"][1], all_hi)
            scope = f"the range of the {own['n_designs']} {io_type} designs and the central 68% of all designs"
        value = float(total[key])
        use = own or cal
        out[key] = {"low": value / hi_r if hi_r > 0 else 0.0, "high": value / lo_r if lo_r > 0 else float("inf"),
                    "median_abs_error": use["median_abs_error"], "n_designs": use["n_designs"], "from": scope}
    return out


def _central(stats) -> tuple:
    q = stats["ratio_quantiles"]
    return tuple(q[k] for k in sorted(q, key=float))
