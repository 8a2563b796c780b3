"""Which reader takes which file, and how a directory of reports becomes one result.

FORMATS is the one registry of readers. A file's text decides its reader (the first entry whose
``recognises`` accepts it), never its name: a csynth.rpt is either HLS layout, a Vivado utilization
report is post-synthesis or post-implementation as its header says. A directory walk takes the
C-synthesis reports by name (``<top>_csynth.xml|rpt``; the top function's gives the result) and every
other ``.rpt`` a reader recognises (a Vivado run also writes drc, io and clock reports: those are
passed over); they fill their schema keys (FILLED) with the most final of their kind. A new format
is one module with ``recognises(text)`` and ``read(path, text)`` plus one line here.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from hls.vendor_reports import (hls_cosim, hls_design_size, hls_rpt, hls_summary_rpt, hls_xml, vivado_hierarchical,
                                vivado_power, vivado_timing, vivado_utilization)
from hls.vendor_reports.schema import STAGE_RANK, ReportError, make_report
from hls.vendor_reports.text_tables import TruncatedTable

# <top>_csynth.xml|rpt: HLS writes one per function; the solution-level csynth.xml|rpt only for the top.
CSYNTH_FILE = re.compile(r"^(?:(.+)_)?csynth\.(xml|rpt)$")
# Where a project says which function is the top: vivado_hls.app/hls.app, hls4ml's project.tcl,
# and the solution-level csynth.xml/csynth.rpt that only exist for the top.
_TOP_SAID = re.compile(r"""\btop="([^"]+)"|set\s+project_name\s+"?(\w+)|<TopModelName>\s*([^<\s]+)"""
                       r"""|Report (?:of|for) '([^']+)'""")
# The schema keys the reports other than C synthesis fill, in the order they are merged into a result.
FILLED = ("post_synthesis", "post_implementation", "timing", "cosim", "power", "design_size")
KINDS = "a Vivado/Vitis HLS or Vivado report"


# Vivado project scratch folders hold no reports; an HLS solution's impl/ is the tool's own export run
# (export_design -flow impl) of a wrapper around the top ('bd_0_wrapper'), summarized in impl/report/.
_SCRATCH = (".cache", ".gen", ".hw", ".ip_user_files", ".srcs", ".sim")


def _walked(here: str, name: str) -> bool:
    if name.startswith(".") or name.endswith(_SCRATCH):
        return False
    return not (name == "impl" and Path(here, "syn").is_dir())


def _names_top(file_name):
    """A project file that may name the top function (read only when several functions have reports)."""
    return file_name.endswith(".app") or file_name == "project.tcl"


def _other_report(file_name):
    """A directory walk reads this file if a reader recognises its text."""
    return (file_name.endswith(".rpt") and not CSYNTH_FILE.match(file_name)) or file_name.endswith("_design_size.xml")


@dataclass(frozen=True)
class Format:
    expects: str                       # how the not-a-report message names this kind of file
    recognises: Callable[[str], bool]  # the file's text is in this format
    read: Callable[[Path, str], dict]  # (path, text) -> the schema; ReportError if the file is damaged


# In the order they are tried on a file's text (co-simulation before C synthesis: Vitis may give both
# the same title; hierarchical utilization before flat: both say report_utilization).
FORMATS = (
    Format("*_cosim.rpt", hls_cosim.recognises, hls_cosim.read),
    Format("*_csynth.xml", hls_xml.recognises, hls_xml.read),
    Format("*_csynth.rpt", hls_rpt.recognises, hls_rpt.read),
    Format("csynth.rpt", hls_summary_rpt.recognises, hls_summary_rpt.read),
    Format("csynth_design_size.rpt|xml", hls_design_size.recognises, hls_design_size.read),
    Format("report_utilization -hierarchical", vivado_hierarchical.recognises, vivado_hierarchical.read),
    Format("report_utilization", vivado_utilization.recognises, vivado_utilization.read),
    Format("report_timing_summary", vivado_timing.recognises, vivado_timing.read),
    Format("report_power", vivado_power.recognises, vivado_power.read),
)


# ---------------------------------------------------------------- one file
def _read_text(path):
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ReportError(f"{path} cannot be read: {e.strerror}") from None
    if not data.strip():
        raise ReportError(f"{path} is empty: expected {KINDS}")
    text = data.decode("utf-8", errors="replace")
    if b"\x00" in data or text.count("\ufffd") > len(text) // 100:
        raise ReportError(f"{path} is a binary file, not {KINDS}")
    return text


def _format_of(text):
    return next((f for f in FORMATS if f.recognises(text)), None)


def parse_file(path, text=None):
    """One report file, read by the first format of FORMATS that recognises its text."""
    path = Path(path)
    text = _read_text(path) if text is None else text
    fmt = _format_of(text)
    if fmt is None:
        names = [f.expects for f in FORMATS]
        raise ReportError(f"{path} is not {KINDS} (expected {', '.join(names[:-1])} or {names[-1]} content)")
    try:
        return fmt.read(path, text)
    except ReportError:
        raise
    except TruncatedTable as e:
        raise ReportError(f"{path} is truncated or damaged: {e}; copy the whole file again") from None
    except Exception as e:  # an unforeseen layout must still give one clear line, not a traceback
        raise ReportError(f"{path} has a layout this parser does not know ({type(e).__name__}: {e})") from e


# ---------------------------------------------------------------- directories
def _peek(path):
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def choose_top(root, hls, hints):
    """The design's top among <name>_csynth.*: HLS also writes one per sub-module beside it."""
    tops = {}
    for p in hls:
        if CSYNTH_FILE.match(p.name).group(1):
            tops.setdefault(CSYNTH_FILE.match(p.name).group(1), []).append(p)
    if len(tops) <= 1:
        return next(iter(tops), None)
    for p in hints + [p for p in hls if not CSYNTH_FILE.match(p.name).group(1)]:
        m = _TOP_SAID.search(_peek(p))
        if m and next(filter(None, m.groups())) in tops:
            return next(filter(None, m.groups()))
    # Nothing says so: the top is the only report that no other report mentions.
    texts = {n: " ".join(_peek(p) for p in ps) for n, ps in tops.items()}
    free = [n for n in tops if not any(re.search(rf"\b{re.escape(n)}\b", t) for o, t in texts.items() if o != n)]
    if len(free) == 1:
        return free[0]
    raise ReportError(f"{root} holds reports of {len(tops)} functions ({', '.join(sorted(tops)[:3])}, ...) and "
                      "nothing names the top: pass the top's <top>_csynth.xml or <top>_csynth.rpt itself")


def _comparable_part(part):
    """'xcu250-figd2104-2L-e' (HLS) and 'xcu250figd2104-2L' (Vivado) name one part: compare them bare."""
    return re.sub(r"[^a-z0-9]", "", (part or "").lower()).removeprefix("xc")


def check_same_design(report, other, path):
    """A report found beside the C-synthesis ones must be of the same top function and part."""
    top, part = report.get("top"), report.get("part")
    if top and other.get("top") and other["top"] != top:
        raise ReportError(f"{path} is a report of '{other['top']}', not of this design's top '{top}': "
                          "remove it or pass the report files of one design")
    a, b = _comparable_part(part), _comparable_part(other.get("part"))
    if a and b and not (a.startswith(b) or b.startswith(a)):
        raise ReportError(f"{path} is a report for part {other['part']}, not for this design's part {part}: "
                          "remove it or pass the report files of one design")


def _rank(value):
    """Most final first: routed, placed, synthesized; flat (with 'Available') before hierarchical."""
    return -STAGE_RANK.get(value.get("stage"), 0), bool(value.get("hierarchical"))


def merge_filled(report, others, root):
    """Fill report's FILLED keys from the other reports [(path, parsed)]: per key the most final,
    a flat utilization report's totals with the per-instance rows of a hierarchical one beside it."""
    for key in FILLED:
        found = sorted(((p, r[key]) for p, r in others if r.get(key)),
                       key=lambda pr: (_rank(pr[1]), len(pr[0].relative_to(root).parts), str(pr[0])))
        if not found:
            continue
        path, value = found[0]
        value, used = dict(value), [path]
        if key.startswith("post_") and not value["instances"]:
            rows = next(((p, v) for p, v in found if v["instances"] and v["stage"] == value["stage"]), None)
            if rows:
                value["instances"] = rows[1]["instances"]
                used.append(rows[0])
        report[key] = value
        report["files"] += [str(p) for p in used]
    return report


def parse_dir(root):
    """A directory searched recursively: the top's C-synthesis report, filled in by the other reports."""
    hls, hints, other = [], [], []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if _walked(here, d))  # not .autopilot (tool databases), nor scratch
        for name in sorted(files):
            kind = hls if CSYNTH_FILE.match(name) else other if _other_report(name) else \
                hints if _names_top(name) else None
            if kind is not None:
                kind.append(Path(here, name))
    others = []
    for p in other:
        text = _peek(p)
        if _format_of(text) is not None:  # the drc/io/clock reports of a Vivado run are passed over
            others.append((p, parse_file(p, text)))
    if not hls and not others:
        raise ReportError(f"no HLS report found in {root}: expected <top>_csynth.xml or <top>_csynth.rpt under "
                          "<prj>/solution1/syn/report/ (or csynth.xml/.rpt, vivado_synth.rpt), or the files themselves")
    for found in (hls, hints):  # shallowest first: the project's own files, not copies deep inside
        found.sort(key=lambda p: (len(p.relative_to(root).parts), str(p)))
    top = choose_top(root, hls, hints)
    pick = lambda *names: next((p for n in names for p in hls if p.name == n), None)  # noqa: E731
    primary = pick(f"{top}_csynth.xml", "csynth.xml", f"{top}_csynth.rpt", "csynth.rpt")
    if primary:
        report = parse_file(primary)
        detail = pick(f"{top}_csynth.rpt", "csynth.rpt")
        if primary.suffix == ".xml" and detail:  # the XML has no per-instance table; the .rpt has
            report["instances"] = parse_file(detail)["instances"]
            report["files"].append(str(detail))
    else:
        first = others[0][1]
        report = make_report(first["source"], [], top=first["top"], tool_version=first["tool_version"],
                             part=first["part"])
    for p, r in others:
        check_same_design(report, r, p)
    return merge_filled(report, others, root)


def parse(path) -> dict:
    """Parse an HLS project directory (searched recursively), a folder of report files, or one report file.

    Returns {source: 'vivado_hls'|'vitis_hls'|'vivado', files, top, tool_version, part,
    clock: {target_ns, estimated_ns, uncertainty_ns}, latency: {min_cycles, max_cycles, min_ns, max_ns,
    ns_from: 'report'|'cycles x target clock'}, interval: {min_cycles, max_cycles, type},
    resources: {BRAM_18K|DSP|FF|LUT|URAM: {used, available, percent}}, instances: [...],
    post_synthesis, post_implementation: None | {source, tool_version, part, top, design_state,
    stage: synthesis|placed|routed, hierarchical, instances, LUT|FF|DSP|BRAM_36K_tiles|URAM: {...}},
    timing (vivado_timing), cosim (hls_cosim), power (vivado_power), design_size (hls_design_size)}.
    For the top function XML beats text; the other reports anywhere under a directory fill their keys.
    Raises ReportError (one line) for missing, truncated, binary or foreign input.
    """
    path = Path(path)
    if path.is_dir():
        return parse_dir(path)
    if not path.exists():
        raise ReportError(f"{path} does not exist: pass an HLS project directory or a report file")
    return parse_file(path)
