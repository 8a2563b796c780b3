"""``csynth_design_size.rpt`` / ``.xml``: Vitis HLS' count of LLVM instructions after each compilation
phase (2022.1+). Its growth under unrolling is what makes big io_parallel layers slow to synthesize.

It fills the schema's 'design_size': one row per phase and step, and the count after the last step.
"""
from __future__ import annotations

import re

from hls.vendor_reports.schema import ReportError, make_report, number
from hls.vendor_reports.text_tables import BORDER, find_line, read_table, row_dicts


def recognises(text) -> bool:
    return "== Design Size Report" in text[:500] or '<design_size title="Design Size Report"' in text[:500]


def _steps_rpt(path, text):
    lines = text.splitlines()
    at = find_line(lines, 0, len(lines), r"\* Total Instructions per Compilation Phase")
    at = None if at is None else next((k for k in range(at, len(lines)) if BORDER.match(lines[k])), None)
    if at is None:
        raise ReportError(f"{path} is truncated: no 'Total Instructions per Compilation Phase' table")
    return [(r["phase"], r["step"], r["instructions"]) for r in row_dicts(*read_table(lines, at)[:2])]


def _steps_xml(path, text):
    if "</design_size>" not in text:
        raise ReportError(f"{path} is truncated: no closing </design_size>")
    table = re.search(r'<item name="Total Instructions per Compilation Phase">(.*?)</item>', text, re.S)
    if table is None:
        raise ReportError(f"{path} has no 'Total Instructions per Compilation Phase' item")
    return [(phase, *(cell.strip() for cell in body.split(",")[:2]))
            for phase, body in re.findall(r'<column name="([^"]*)">([^<]*)</column>', table.group(1))]


def read(path, text) -> dict:
    raw = _steps_xml(path, text) if text.lstrip().startswith("<") else _steps_rpt(path, text)
    steps, phase = [], None
    for name, step, count in raw:
        phase = name.strip() or phase
        if number(count) is not None:
            steps.append({"phase": phase, "step": step.strip() or None, "instructions": number(count)})
    if not steps:
        raise ReportError(f"{path} has no instruction counts")
    return make_report("vitis_hls", [path], design_size={"source": "vitis_hls", "steps": steps,
                                                         "final_instructions": steps[-1]["instructions"]})
