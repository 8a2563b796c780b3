"""The interval of every estimated figure, from how far the estimate has been off on real reports.

`l1cnn calibrate --update` writes calibration_data.json beside this module: per figure, the
quantiles of estimate / real over the calibration designs (CENTRAL: the middle 68%). A figure
estimated as E then lies in [E / q84, E / q16] as often as the calibration designs did; the
median |error| says how far off a typical estimate was.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

CALIBRATION_FILE = Path(__file__).with_name("calibration_data.json")
TOTAL_KEYS = {"lut": "lut", "ff": "ff", "dsp": "dsp", "bram_18k": "bram_18k", "latency": "latency_cycles",
              "ii": "ii_cycles"}  # calibration figure -> estimate total key


@lru_cache(maxsize=1)
def _summary() -> dict:
    try:
        return json.loads(CALIBRATION_FILE.read_text())["summary"]
    except (OSError, ValueError, KeyError):
        return {}


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
        use, scope = (own, f"{io_type} designs") if own else (cal, "all designs")
        lo_q, hi_q = (use["ratio_quantiles"][q] for q in sorted(use["ratio_quantiles"], key=float))
        value = float(total[key])
        out[key] = {"low": value / hi_q if hi_q > 0 else 0.0, "high": value / lo_q if lo_q > 0 else float("inf"),
                    "median_abs_error": use["median_abs_error"], "n_designs": use["n_designs"], "from": scope}
    return out
