"""The figures each firmware variant is judged by, most final first, each with its source.

Resources: post-route (vivado-impl) over post-synthesis (vivado-synth) over C synthesis (vitis /
vivado-hls) over l1cnn's estimate; latency and II: co-simulation (cosim) over C synthesis; the clock:
the period Vivado's timing achieved where it ran. This is the one place that order is decided; the
verdict (budget.py) and the report read what it chose.
"""
from __future__ import annotations

from hls.vendor_reports import used

_HLS_SOURCE = {"vitis_hls": "vitis", "vivado_hls": "vivado-hls"}


def vendor_figures(rep: dict) -> dict:
    """One variant's vendor reports (hls/vendor_reports schema) -> its headline figures and their sources."""
    impl, post, timing, cosim = (rep.get(k) or {} for k in ("post_implementation", "post_synthesis", "timing", "cosim"))
    hls_source = _HLS_SOURCE.get(rep["source"], rep["source"])
    if used(impl, "LUT") is not None:
        res_source, res = "vivado-impl", impl
    elif used(post, "LUT") is not None:
        res_source, res = "vivado-synth", post
    else:
        res_source, res = hls_source, rep.get("resources") or {}
    if res_source == hls_source:
        bram = used(res, "BRAM_18K")
    else:  # Vivado counts 36 Kb tiles (a half tile is one 18 Kb block)
        tiles = used(res, "BRAM_36K_tiles")
        bram = None if tiles is None else round(2 * tiles)
    # co-simulation measures what it can: an 'NA' interval (a single transaction) leaves C synthesis' II
    ran = bool(cosim.get("passed"))
    lat_cosim = (cosim.get("latency") or {}).get("max_cycles") if ran else None
    ii_cosim = (cosim.get("interval") or {}).get("max_cycles") if ran else None
    latency = rep["latency"]["max_cycles"] if lat_cosim is None else lat_cosim
    ii = rep["interval"]["max_cycles"] if ii_cosim is None else ii_cosim
    target = rep["clock"]["target_ns"] or timing.get("target_period_ns")
    achieved = timing.get("achieved_period_ns")
    # a design that misses timing runs at the clock it achieved, and its latency stretches with it
    period = max(p for p in (target, achieved) if p is not None) if (target or achieved) else None
    sources = {"resources": res_source, "latency": hls_source if lat_cosim is None else "cosim",
               "ii": hls_source if ii_cosim is None else "cosim"}
    if timing:
        sources["timing"] = "vivado-impl" if timing.get("stage") in ("placed", "routed") else "vivado-synth"
    return {"source": res_source, "sources": sources, "latency_cycles": latency,
            "latency_ns": None if latency is None or period is None else round(latency * period, 6),
            "ii_cycles": ii, "lut": used(res, "LUT"), "ff": used(res, "FF"), "dsp": used(res, "DSP"),
            "bram_18k": bram, "bram_36k_tiles": used(res, "BRAM_36K_tiles"),
            "period_ns": period, "target_period_ns": target, "achieved_period_ns": achieved,
            "wns_ns": timing.get("wns_ns"),
            "timing_met": timing.get("constraints_met"), "cosim_status": cosim.get("status")}


def estimate_figures(est: dict) -> dict:
    t = est["total"]
    return {"source": "estimate", "sources": {"resources": "estimate", "latency": "estimate", "ii": "estimate"},
            "latency_cycles": t["latency_cycles"], "latency_ns": t["latency_ns"], "ii_cycles": t["ii_cycles"],
            "lut": round(t["lut"]), "ff": round(t["ff"]), "dsp": t["dsp"], "bram_18k": t["bram_18k"],
            "bram_36k_tiles": None, "part": est["part"], "utilization_percent": est["utilization_percent"],
            "intervals": est.get("intervals") or {}}


def resources_block(synth: dict) -> dict:
    """Per firmware variant, the most final figures synth.json holds: the vendor's where it ran, else
    the estimate."""
    out = {variant: estimate_figures(est) for variant, est in (synth.get("estimates") or {}).items()}
    out.update({variant: vendor_figures(rep) for variant, rep in (synth.get("variants") or {}).items()})
    return out
