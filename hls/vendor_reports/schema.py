"""The one schema every reader returns, its builders, and the number/unit helpers they share."""
from __future__ import annotations

import re

from common.errors import L1CNNError

RESOURCES = ("BRAM_18K", "DSP", "FF", "LUT", "URAM")
NS_PER = {"ps": 1e-3, "ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class ReportError(L1CNNError, ValueError):
    """A report is missing, truncated, or not a vendor report. The message is always one line."""

    def __init__(self, message):
        super().__init__(" ".join(str(message).split()))


# ---------------------------------------------------------------- values
def number(text):
    """'1,234' -> 1234, '4.363' -> 4.363; '-', '?', 'undef', '~0', '<0.01', '' -> None."""
    t = (text or "").strip().replace(",", "")
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    return float(t) if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", t) else None


def nanoseconds(text):
    """'5.220 us' -> 5220.0: reports switch units as values grow. A bare number is in ns."""
    m = re.fullmatch(r"\s*(\S+?)\s*(ps|ns|us|ms|s)?\s*", text or "")
    value = number(m.group(1)) if m else None
    return None if value is None else round(value * NS_PER[m.group(2) or "ns"], 6)


def resource_name(column):
    """Report column -> schema resource name; DSP48E (Vivado HLS) and DSP (Vitis) are both 'DSP'."""
    c = column.strip().upper()
    return "DSP" if c.startswith("DSP") else "BRAM_18K" if c in ("BRAM_18K", "BRAM") else \
        c if c in ("FF", "LUT", "URAM") else None


def used(group, key):
    """The 'used' count of resource `key` in a resources group of the schema (None where absent)."""
    return ((group or {}).get(key) or {}).get("used")


# ---------------------------------------------------------------- builders
def make_resource(used, available, percent=None):
    """{used, available, percent}."""
    # Reports print '~0' / '<0.01' for small shares and the XML prints none: then compute it.
    if percent is None and used is not None and available:
        percent = round(100.0 * used / available, 2)
    elif percent is None and used == 0:
        percent = 0
    return {"used": used, "available": available, "percent": None if percent is None else float(percent)}


def make_latency(cmin, cmax, ns_min, ns_max, target_ns):
    """{min_cycles, max_cycles, min_ns, max_ns, ns_from}; without reported ns, cycles x target clock."""
    ns_from = "report" if (ns_min, ns_max) != (None, None) else None
    if ns_from is None and target_ns is not None and (cmin, cmax) != (None, None):
        ns_min, ns_max = (None if c is None else round(c * target_ns, 6) for c in (cmin, cmax))
        ns_from = "cycles x target clock"
    return {"min_cycles": cmin, "max_cycles": cmax, "min_ns": ns_min, "max_ns": ns_max, "ns_from": ns_from}


def make_report(source, files, **fields):
    """Every result carries every key of the schema, whatever the input held."""
    return {"source": source, "files": [str(f) for f in files], "top": None, "tool_version": None, "part": None,
            "clock": {"target_ns": None, "estimated_ns": None, "uncertainty_ns": None},
            "latency": make_latency(None, None, None, None, None),
            "interval": {"min_cycles": None, "max_cycles": None, "type": None},
            "resources": {r: None for r in RESOURCES}, "instances": [], "post_synthesis": None,
            "post_implementation": None, "timing": None, "cosim": None, "power": None, "design_size": None, **fields}


# Vivado's 'Design State' header: Synthesized/Optimized before placement; Placed, Fully Placed, Physopt
# postPlace, Routed, Fully Routed after it. Reports without that line (Vivado < 2021 timing summaries,
# < 2018 utilization) name their step in the report file's name only, as words: hls4ml's vivado_synth.rpt,
# a run's *_placed.rpt / *_routed.rpt; a name that says neither counts as synthesis.
STAGE_RANK = {"synthesis": 1, "placed": 2, "routed": 3}
_FILE_WORDS = {"synth": "synthesis", "synthesis": "synthesis", "synthesized": "synthesis", "opt": "synthesis",
               "place": "placed", "placed": "placed", "route": "routed", "routed": "routed", "impl": "routed",
               "implementation": "routed"}


def vivado_stage(header: dict) -> str:
    """'synthesis', 'placed' or 'routed': how far the design had gone when Vivado wrote the report."""
    state = (header.get("Design State") or "").lower()
    if state:
        return "routed" if "rout" in state else "placed" if "plac" in state else "synthesis"
    m = re.search(r"-file\s+(\S+)", header.get("Command") or "")
    words = re.split(r"[_.\-]+", re.split(r"[/\\]", m.group(1))[-1].lower()) if m else []
    said = [_FILE_WORDS[w] for w in words if w in _FILE_WORDS]
    return "synthesis" if not said or "synthesis" in said else max(said, key=STAGE_RANK.get)


def make_post(header: dict, hierarchical: bool, **resources) -> dict:
    """A Vivado utilization result: 'post_synthesis' or 'post_implementation' of the schema."""
    return {"source": "vivado", "tool_version": vivado_version(header), "part": header.get("Device"),
            "top": header.get("Design"), "design_state": header.get("Design State"),
            "stage": vivado_stage(header), "hierarchical": hierarchical, "instances": [],
            **{k: None for k in ("LUT", "FF", "DSP", "BRAM_36K_tiles", "URAM")}, **resources}


def post_key(post: dict) -> str:
    return "post_synthesis" if post["stage"] == "synthesis" else "post_implementation"


def vivado_version(header: dict):
    m = re.match(r"Vivado v\.(\S+)", header.get("Tool Version") or "")
    return m and m.group(1)


def make_instance(name, module, **fields):
    """One row of 'instances': a sub-module's latency, interval and resources used."""
    return {"instance": name, "module": module, "latency_min_cycles": None, "latency_max_cycles": None,
            "interval_min_cycles": None, "interval_max_cycles": None, **{r: None for r in RESOURCES}, **fields}
