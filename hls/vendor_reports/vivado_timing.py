"""``report_timing_summary``: Vivado's static timing of a synthesized or implemented design.

It fills the schema's 'timing': worst negative/total negative slack (setup), worst/total hold slack,
pulse-width slack, whether every constraint is met, each clock's period and its own slack, and the
clock the design achieves: period - WNS of its worst clock (a negative WNS is a figure, not an error).
The headline clock is the one with the worst setup slack (an hls4ml design has one: ap_clk). The step
(synthesis, placed, routed) comes from the header as for utilization reports; a report with neither
a 'Design State' line nor a step in its file name (Vivado < 2019 run by hand) counts as synthesis.
"""
from __future__ import annotations

import re

from hls.vendor_reports.schema import ReportError, make_report, number, vivado_stage, vivado_version
from hls.vendor_reports.text_tables import vivado_header

# Design Timing Summary / Intra Clock Table column -> schema key
_COLUMNS = {"WNS(ns)": "wns_ns", "TNS(ns)": "tns_ns", "TNS Failing Endpoints": "tns_failing_endpoints",
            "TNS Total Endpoints": "tns_total_endpoints", "WHS(ns)": "whs_ns", "THS(ns)": "ths_ns",
            "THS Failing Endpoints": "ths_failing_endpoints", "THS Total Endpoints": "ths_total_endpoints",
            "WPWS(ns)": "wpws_ns", "TPWS(ns)": "tpws_ns", "TPWS Failing Endpoints": "tpws_failing_endpoints",
            "TPWS Total Endpoints": "tpws_total_endpoints"}
_MET = {"All user specified timing constraints are met.": True, "Timing constraints are not met.": False}


def recognises(text) -> bool:
    return "report_timing_summary" in text[:3000] or bool(re.search(r"^Timing Summary Report\s*$", text[:5000], re.M))


def _section(lines, title):
    """Index of the first line after a '| <title>' banner, or None."""
    k = next((i for i, line in enumerate(lines) if re.match(rf"^\|\s*{re.escape(title)}\s*$", line)), None)
    if k is None:
        return None
    while k < len(lines) and (lines[k].startswith("|") or lines[k].startswith("---")):
        k += 1
    return k


def _columns(header, dashes):
    """Column (name, start, end) from a header line and the dash line under it."""
    spans = [m.span() for m in re.finditer(r"-+", dashes)]
    return [(header[a:b].strip() or header[a:].split()[0], a, b) for a, b in spans]


def _cells(line, columns):
    """The first token is the row's name (a generated clock's is indented and may overrun its column);
    each other token goes to the column its right end falls in (Vivado right-aligns numbers under dashes)."""
    tokens = list(re.finditer(r"\S+", line))
    if not tokens:
        return {}
    out = {columns[0][0]: tokens[0].group()}
    for m in tokens[1:]:
        end = m.end() - 1
        col = next((c for c in columns if c[1] <= end < c[2]), None) or \
            min(columns, key=lambda c: min(abs(end - c[1]), abs(end - (c[2] - 1))))
        out[col[0]] = (out[col[0]] + " " + m.group()) if col[0] in out else m.group()
    return out


def _table(lines, start):
    """The whitespace table after line `start`: header, dash line, rows until a blank line."""
    k = next((i for i in range(start, min(start + 20, len(lines))) if lines[i].strip()), None)
    if k is None or k + 1 >= len(lines) or not re.match(r"^\s*-{3,}", lines[k + 1]):
        return None, []
    header, dashes, rows = lines[k], lines[k + 1], []
    for line in lines[k + 2:]:
        if not line.strip():
            break
        rows.append(line)
    return (header, dashes), rows


def _slacks(cells):
    return {key: number(cells.get(col)) for col, key in _COLUMNS.items()}


def read(path, text) -> dict:
    lines, header = text.splitlines(), vivado_header(text)
    at = _section(lines, "Design Timing Summary")
    head, rows = _table(lines, at) if at is not None else (None, [])
    if not rows:
        raise ReportError(f"{path} is truncated or not a timing summary: no 'Design Timing Summary' figures")
    summary = _slacks(_cells(rows[0], _columns(*head)))
    said = next((v for line in lines[at:at + 40] for k, v in _MET.items() if line.strip() == k), None)
    # Vivado writes these banners in this order, 'Timing Details' last (unless asked for no paths)
    command = header.get("Command", "")
    paths_asked = not re.search(r"-max_paths 0\b|-no_detailed_paths", command)
    last = ["Clock Summary", "Intra Clock Table"] + (["Timing Details"] if paths_asked else [])
    missing = next((title for title in last if _section(lines, title) is None), None)
    if missing:
        raise ReportError(f"{path} is truncated: its '{missing}' section is missing")
    clock_at = _section(lines, "Clock Summary")
    clocks = []
    for line in _table(lines, clock_at)[1]:
        m = re.match(r"^(\s*)(\S+)\s+\{([^}]*)\}\s+(\S+)\s+(\S+)", line)
        if m:
            clocks.append({"clock": m.group(2), "generated": bool(m.group(1)), "period_ns": number(m.group(4)),
                           "frequency_mhz": number(m.group(5)), "wns_ns": None, "whs_ns": None})
    intra_at = _section(lines, "Intra Clock Table")
    if intra_at is not None:
        ihead, irows = _table(lines, intra_at)
        for line in irows:
            cells = _cells(line, _columns(*ihead))
            clock = next((c for c in clocks if c["clock"] == cells.get("Clock")), None)
            if clock is not None:
                clock.update({k: v for k, v in _slacks(cells).items() if k in ("wns_ns", "whs_ns")})
    timed = [c for c in clocks if c["wns_ns"] is not None and c["period_ns"]]
    for c in clocks:  # what each clock could run at: its period less its own worst setup slack
        c["achieved_period_ns"] = round(c["period_ns"] - c["wns_ns"], 6) if c in timed else None
    worst = min(timed, key=lambda c: c["wns_ns"], default=None)
    if worst is None and len(clocks) == 1 and summary["wns_ns"] is not None:
        worst = {**clocks[0], "wns_ns": summary["wns_ns"]}
    achieved = None if worst is None else round(worst["period_ns"] - worst["wns_ns"], 6)
    met = said if said is not None else None if summary["wns_ns"] is None else \
        all((summary[k] or 0) >= 0 for k in ("wns_ns", "whs_ns", "wpws_ns"))
    timing = {"source": "vivado", "tool_version": vivado_version(header), "part": header.get("Device"),
              "top": header.get("Design"), "design_state": header.get("Design State"), "stage": vivado_stage(header),
              **summary, "constraints_met": met, "clocks": clocks,
              "clock": None if worst is None else worst["clock"],
              "target_period_ns": None if worst is None else worst["period_ns"],
              "achieved_period_ns": achieved,
              "achieved_frequency_mhz": None if not achieved else round(1000.0 / achieved, 3)}
    return make_report("vivado", [path], top=timing["top"], tool_version=timing["tool_version"], part=timing["part"],
                       timing=timing)
