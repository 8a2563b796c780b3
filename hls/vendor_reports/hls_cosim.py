"""``<top>_cosim.rpt``: the C/RTL co-simulation report of Vivado HLS and Vitis HLS
(``<prj>/solution1/sim/report/``, a vitis-run component's ``hls/sim/report/``).

One row per RTL language (VHDL, Verilog) with its status and the latency and interval the RTL
simulation measured, min/avg/max in clock cycles ('NA' when not run or not measured); Vitis adds
'Total Execution Time'. It fills the schema's 'cosim' with the row that ran (Verilog first).
"""
from __future__ import annotations

import re

from hls.vendor_reports.schema import ReportError, make_report, number
from hls.vendor_reports.text_tables import BORDER, header_field

_ROW = re.compile(r"^\|\s*(VHDL|Verilog|SystemC)\s*\|(.*)\|\s*$")
_NAME = re.compile(r"^(.+)_cosim\.rpt$")


def recognises(text) -> bool:
    head = text[:3000]
    return bool(re.search(r"^\|\s*RTL\s*\|\s*Status\s*\|", head, re.M) or
                re.search(r"^\+\s*RTL\s*\+\s*Status\s*\+", head, re.M) or "== Co-Simulation Report" in head)


def _run(language, cells) -> dict:
    values = [c.strip() for c in cells]
    status, counts = values[0], [number(v) for v in values[1:]]
    counts += [None] * (7 - len(counts))
    return {"rtl": language.lower(), "status": status.lower(),
            "latency": dict(zip(("min_cycles", "avg_cycles", "max_cycles"), counts[0:3])),
            "interval": dict(zip(("min_cycles", "avg_cycles", "max_cycles"), counts[3:6])),
            "total_execution_cycles": counts[6]}


def read(path, text) -> dict:
    lines = text.splitlines()
    rows = [(k, _ROW.match(line)) for k, line in enumerate(lines) if _ROW.match(line)]
    if not rows:
        raise ReportError(f"{path} is truncated: its co-simulation table has no VHDL/Verilog row")
    last = rows[-1][0]
    if last + 1 >= len(lines) or not BORDER.match(lines[last + 1]):
        raise ReportError(f"{path} is truncated: its co-simulation table has no closing border")
    runs = [_run(m.group(1), m.group(2).split("|")) for _, m in rows]
    ran = [r for r in runs if r["status"] not in ("na", "")]
    chosen = next((r for r in ran if r["rtl"] == "verilog"), ran[0] if ran else runs[0])
    title = re.search(r"^== (?:Vivado|Vitis) HLS Report for '([^']+)'", text, re.M)
    name = _NAME.match(path.name)
    simulator = re.search(r"^Simulation tool\s*:\s*(\S+?)\.?\s*$", text, re.M)
    cosim = {"source": "cosim", **chosen, "passed": chosen["status"] == "pass",
             "simulator": simulator and simulator.group(1), "runs": runs}
    return make_report("vitis_hls" if "Vitis" in text[:2000] else "vivado_hls", [path],
                       top=(title and title.group(1)) or (name and name.group(1)),
                       tool_version=header_field(text, "Version"), part=header_field(text, "Target device"),
                       cosim=cosim)
