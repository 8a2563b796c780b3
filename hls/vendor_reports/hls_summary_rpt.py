"""``csynth.rpt`` of Vitis HLS 2020.2+: the "== Synthesis Summary Report of" layout.

One 'Performance & Resource Estimates' tree of modules ('+') and loops ('o'), no clock and no
device totals.
"""
from __future__ import annotations

import re

from hls.vendor_reports.schema import (RESOURCES, ReportError, make_instance, make_latency, make_report,
                                       make_resource, nanoseconds, number, resource_name)
from hls.vendor_reports.text_tables import find_line, header_field, row_dicts, table_after


def recognises(text) -> bool:
    return bool(re.search(r"^== Synthesis Summary Report of '", text, re.M))


def _used_percent(cell):
    """Summary-table cell '39 (17%)' -> (39, 17.0); '5 (~0%)' -> (5, None); on a module row '-' means 0."""
    m = re.fullmatch(r"(\d+)\s*(?:\((~?)([\d.]+)%\))?", cell)
    if cell == "-" or not m:
        return (0, 0.0) if cell == "-" else (None, None)
    return int(m[1]), None if m[2] or not m[3] else float(m[3])


def read(path, text) -> dict:
    """Vitis csynth.rpt 'Synthesis Summary': one Modules & Loops tree, no clock, no device totals."""
    lines, top = text.splitlines(), re.search(r"^== Synthesis Summary Report of '([^']+)'", text, re.M).group(1)
    names, raw = table_after(lines, find_line(lines, 0, len(lines), r"\s*[+*] Performance & Resource"),
                             len(lines)) or ([], [])
    if not raw:
        raise ReportError(f"{path} is truncated: no 'Performance & Resource Estimates' table")
    rows = row_dicts(names, raw)
    # Instances are the direct sub-modules: '+' rows with only 'o' loops between them and the top.
    stack, children = [], []
    for cells, row in zip(raw[1:], rows[1:]):
        depth, kind = len(cells[0]) - len(cells[0].lstrip()), cells[0].strip()[:1]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if kind == "+" and all(k == "o" for _, k in stack):
            name = cells[0].strip()[1:].strip().rstrip("*")
            children.append(make_instance(name, name, latency_max_cycles=number(row.get("latency(cycles)")),
                                          interval_max_cycles=number(row.get("interval")),
                                          **{resource_name(k): _used_percent(v)[0]
                                             for k, v in row.items() if resource_name(k)}))
        stack.append((depth, kind))
    head, resources = rows[0], {r: None for r in RESOURCES}
    for column, value in head.items():
        if resource_name(column):  # the summary states no device totals, so 'available' stays None
            used, percent = _used_percent(value)
            resources[resource_name(column)] = make_resource(used, None, percent)
    return make_report(
        "vitis_hls", [path], top=top, tool_version=header_field(text, "Version"),
        part=header_field(text, "Target device"),
        latency=make_latency(None, number(head.get("latency(cycles)")), None,
                             nanoseconds(head.get("latency(ns)")), None),
        interval={"min_cycles": None, "max_cycles": number(head.get("interval")), "type": head.get("pipelined")},
        resources=resources, instances=children)
