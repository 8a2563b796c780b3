"""``report_power``: Vivado's power estimate of a synthesized or implemented design (Vitis HLS'
export flow writes it as vivado_power.rpt).

It fills the schema's 'power': total on-chip, dynamic and device static power (W), junction
temperature, the tool's confidence level, and the power of each instance one level below the top.
"""
from __future__ import annotations

import re

from hls.vendor_reports.schema import ReportError, make_report, number, vivado_stage, vivado_version
from hls.vendor_reports.text_tables import (BORDER, TruncatedTable, missing_section, read_table, row_dicts,
                                             vivado_header)


def recognises(text) -> bool:
    return "report_power" in text[:3000] or bool(re.search(r"^Power Report\s*$", text[:4000], re.M))


def _table_under(lines, title):
    """Index of the first table border under the numbered heading `title` (underlined, unlike its
    line in the table of contents), or None."""
    at = next((k for k in range(len(lines) - 1) if re.match(rf"\d+(\.\d+)*\.?\s+{re.escape(title)}\s*$", lines[k])
               and lines[k + 1].startswith("---")), None)
    if at is None:
        return None
    border = next((k for k in range(at, len(lines)) if BORDER.match(lines[k])), None)
    if border is None:  # the heading is there, its table is not: the file was cut off
        raise TruncatedTable(f"section '{title}' has no table")
    return border


def _pairs(lines, title):
    """The two-column 'key | value' table under a numbered section title."""
    at = _table_under(lines, title)
    out = {}
    for line in lines[at + 1:] if at is not None else ():
        if not line.startswith("|"):  # a key-value table has no header rule: read it up to its border
            if not BORDER.match(line):
                return {}  # cut off inside the table
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2:
            out[cells[0]] = cells[1]
    return out


def read(path, text) -> dict:
    lines, header = text.splitlines(), vivado_header(text)
    cut = missing_section(lines)
    if cut:
        raise ReportError(f"{path} is truncated: section '{cut}' of its table of contents is missing")
    summary = {k: v for k, v in _pairs(lines, "Summary").items()}
    if "Total On-Chip Power (W)" not in summary:
        raise ReportError(f"{path} is truncated: no 'Total On-Chip Power' in its summary table")
    instances = []
    border = _table_under(lines, "By Hierarchy")
    if border is not None:
        names, raw, _ = read_table(lines, border)
        for cells, row in zip(raw[1:], row_dicts(names, raw)[1:]):
            if len(cells[0]) - len(cells[0].lstrip(" ")) == 3:  # one level below the top ('| ' + 2 spaces)
                instances.append({"instance": row["name"], "power_w": number(row.get("power(w)"))})
    value = lambda key: number(summary.get(key))  # noqa: E731
    power = {"source": "vivado", "tool_version": vivado_version(header), "part": header.get("Device"),
             "top": header.get("Design"), "design_state": header.get("Design State"), "stage": vivado_stage(header),
             "total_w": value("Total On-Chip Power (W)"), "dynamic_w": value("Dynamic (W)"),
             "static_w": value("Device Static (W)"), "junction_c": value("Junction Temperature (C)"),
             "confidence": summary.get("Confidence Level"), "instances": instances}
    return make_report("vivado", [path], top=power["top"], tool_version=power["tool_version"], part=power["part"],
                       power=power)
