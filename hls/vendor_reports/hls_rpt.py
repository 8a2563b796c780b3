"""``<top>_csynth.rpt``: the per-function "== Vivado HLS Report for" / "== Vitis HLS Report for" text.

HLS writes one per function (the top and each sub-module) under <prj>/solution1/syn/report/;
Vivado HLS also writes the top's as the solution-level csynth.rpt.
"""
from __future__ import annotations

import re

from hls.vendor_reports.schema import (RESOURCES, ReportError, make_instance, make_latency, make_report,
                                       make_resource, nanoseconds, number, resource_name)
from hls.vendor_reports.text_tables import find_line, header_field, pick, rows_after, table_after


def recognises(text) -> bool:
    return bool(re.search(r"^== (Vivado|Vitis) HLS Report for '", text, re.M))


def read(path, text) -> dict:
    lines = text.splitlines()
    title = re.search(r"^== (Vivado|Vitis) HLS Report for '([^']+)'", text, re.M)
    starts = [(k, line[3:].strip()) for k, line in enumerate(lines) if line.startswith("== ")]
    sections = {t: (k, end) for (k, t), end in zip(starts, [k for k, _ in starts[1:]] + [len(lines)])}
    # 'Interface' is the last section, so a file that lacks it (or its table) was cut off.
    for needed in ("Performance Estimates", "Utilization Estimates", "Interface"):
        if needed not in sections:
            raise ReportError(f"{path} is truncated: no '{needed}' section; copy the whole file or re-run C synthesis")
    if not table_after(lines, *sections["Interface"]):
        raise ReportError(f"{path} is truncated: its 'Interface' section has no table")
    p0, p1 = sections["Performance Estimates"]
    u0, u1 = sections["Utilization Estimates"]
    clock = (rows_after(lines, find_line(lines, p0, p1, r"\+ Timing"), p1) or [{}])[0]
    lat_at = find_line(lines, p0, p1, r"\+ Latency")
    lat = (rows_after(lines, lat_at, p1) or [{}])[0]
    names, rows = table_after(lines, u0, u1) or ([], [])
    by_name = {row[0].strip(): row for row in rows}  # Total, Available, Utilization (%), ... SLR rows
    if "Total" not in by_name:
        raise ReportError(f"{path} is truncated: its 'Utilization Estimates' table has no Total row")
    cell = lambda row, c: number(by_name[row][c]) if row in by_name else None  # noqa: E731
    resources = {r: None for r in RESOURCES}
    resources.update({resource_name(n): make_resource(cell("Total", c), cell("Available", c),
                                                      cell("Utilization (%)", c))
                      for c, n in enumerate(names) if c and resource_name(n)})
    target = nanoseconds(pick(clock, "target"))
    return make_report(
        "vitis_hls" if title and title.group(1) == "Vitis" else "vivado_hls", [path],
        top=title and title.group(2), tool_version=header_field(text, "Version"),
        part=header_field(text, "Target device"),
        clock={"target_ns": target, "estimated_ns": nanoseconds(pick(clock, "estimated")),
               "uncertainty_ns": nanoseconds(pick(clock, "uncertainty"))},
        # Vivado HLS <= 2018 had no 'Latency (absolute)' columns and called the cycles just 'Latency'.
        latency=make_latency(number(pick(lat, "latency(cycles)min", "latencymin")),
                             number(pick(lat, "latency(cycles)max", "latencymax")),
                             nanoseconds(pick(lat, "latency(absolute)min")),
                             nanoseconds(pick(lat, "latency(absolute)max")), target),
        interval={"min_cycles": number(pick(lat, "intervalmin")), "max_cycles": number(pick(lat, "intervalmax")),
                  "type": pick(lat, "pipelinetype") or None},
        resources=resources,
        instances=_instances(rows_after(lines, find_line(lines, lat_at or p0, p1, r"\s*\* Instance:"), p1),
                             rows_after(lines, find_line(lines, u0, u1, r"\s*\* Instance:"), u1)))


def _instances(latency_rows, utilization_rows):
    """Join the two per-instance tables (latency, then resources) on the instance name."""
    out = {}
    for r in latency_rows:
        out.setdefault(r["instance"], make_instance(r["instance"], r.get("module"))).update(
            latency_min_cycles=number(pick(r, "latency(cycles)min", "latencymin")),
            latency_max_cycles=number(pick(r, "latency(cycles)max", "latencymax")),
            interval_min_cycles=number(r.get("intervalmin")), interval_max_cycles=number(r.get("intervalmax")))
    for r in utilization_rows:
        if r.get("instance") not in (None, "", "Total"):
            out.setdefault(r["instance"], make_instance(r["instance"], r.get("module"))).update(
                {resource_name(k): number(v) for k, v in r.items() if resource_name(k)})
    return list(out.values())
