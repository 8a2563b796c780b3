"""Which reader takes which file, and how a directory of reports becomes one result.

FORMATS is the one registry of readers. A file's text decides its reader (the first entry whose
``recognises`` accepts it), never its name: a csynth.rpt is either HLS layout. A directory walk
collects files by name: C-synthesis reports (``fills=None``) give the result, the top function's
chosen among the per-function ones; each other format fills its one schema key of that result from
the shallowest such file (``vivado_synth.rpt`` -> ``post_synthesis``). A new format is one module
with ``recognises(text)`` and ``read(path, text)`` plus one line here.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from hls.vendor_reports import hls_rpt, hls_summary_rpt, hls_xml, vivado_hierarchical, vivado_utilization
from hls.vendor_reports.schema import ReportError
from hls.vendor_reports.text_tables import TruncatedTable

# <top>_csynth.xml|rpt: HLS writes one per function; the solution-level csynth.xml|rpt only for the top.
CSYNTH_FILE = re.compile(r"^(?:(.+)_)?csynth\.(xml|rpt)$")
# Where a project says which function is the top: vivado_hls.app/hls.app, hls4ml's project.tcl,
# and the solution-level csynth.xml/csynth.rpt that only exist for the top.
_TOP_SAID = re.compile(r"""\btop="([^"]+)"|set\s+project_name\s+"?(\w+)|<TopModelName>\s*([^<\s]+)"""
                       r"""|Report (?:of|for) '([^']+)'""")


def _names_top(file_name):
    """A project file that may name the top function (read only when several functions have reports)."""
    return file_name.endswith(".app") or file_name == "project.tcl"


@dataclass(frozen=True)
class Format:
    expects: str                       # how the not-a-report message names this kind of file
    recognises: Callable[[str], bool]  # the file's text is in this format
    read: Callable[[Path, str], dict]  # (path, text) -> the schema; ReportError if the file is damaged
    collects: Callable[[str], object]  # a directory walk takes a file of this name for this format
    fills: str | None                  # the schema key it gives a directory's result; None: C synthesis


# In the order they are tried on a file's text.
FORMATS = (
    Format("*_csynth.xml", hls_xml.recognises, hls_xml.read, CSYNTH_FILE.match, None),
    Format("*_csynth.rpt", hls_rpt.recognises, hls_rpt.read, CSYNTH_FILE.match, None),
    Format("csynth.rpt", hls_summary_rpt.recognises, hls_summary_rpt.read, CSYNTH_FILE.match, None),
    Format("vivado_synth.rpt (hierarchical)", vivado_hierarchical.recognises, vivado_hierarchical.read,
           lambda name: name == "vivado_synth.rpt", "post_synthesis"),
    Format("vivado_synth.rpt", vivado_utilization.recognises, vivado_utilization.read,
           lambda name: name == "vivado_synth.rpt", "post_synthesis"),
)


# ---------------------------------------------------------------- one file
def _read_text(path):
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ReportError(f"{path} cannot be read: {e.strerror}") from None
    if not data.strip():
        raise ReportError(f"{path} is empty: expected a Vivado/Vitis HLS or Vivado synthesis report")
    text = data.decode("utf-8", errors="replace")
    if b"\x00" in data or text.count("\ufffd") > len(text) // 100:
        raise ReportError(f"{path} is a binary file, not a Vivado/Vitis HLS or Vivado synthesis report")
    return text


def parse_file(path):
    """One report file, read by the first format of FORMATS that recognises its text."""
    text = _read_text(path)
    fmt = next((f for f in FORMATS if f.recognises(text)), None)
    if fmt is None:
        names = [f.expects for f in FORMATS]
        raise ReportError(f"{path} is not a Vivado/Vitis HLS or Vivado synthesis report "
                          f"(expected {', '.join(names[:-1])} or {names[-1]} content)")
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


def parse_dir(root):
    """A directory searched recursively: the top's C-synthesis report, filled in by the other formats."""
    hls, hints = [], []
    extra = {f.fills: [] for f in FORMATS if f.fills}  # schema key -> files of the format that fills it
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .autopilot: tool databases
        for name in sorted(files):
            kind = next((extra[f.fills] if f.fills else hls for f in FORMATS if f.collects(name)),
                        hints if _names_top(name) else None)
            if kind is not None:
                kind.append(Path(here, name))
    if not hls and not any(extra.values()):
        raise ReportError(f"no HLS report found in {root}: expected <top>_csynth.xml or <top>_csynth.rpt under "
                          "<prj>/solution1/syn/report/ (or csynth.xml/.rpt, vivado_synth.rpt), or the files themselves")
    for found in (hls, *extra.values(), hints):  # shallowest first: the project's own files, not copies deep inside
        found.sort(key=lambda p: (len(p.relative_to(root).parts), str(p)))
    top = choose_top(root, hls, hints)
    pick = lambda *names: next((p for n in names for p in hls if p.name == n), None)  # noqa: E731
    primary = pick(f"{top}_csynth.xml", "csynth.xml", f"{top}_csynth.rpt", "csynth.rpt")
    fillers = [(key, found[0]) for key, found in extra.items() if found]
    report = parse_file(primary or fillers[0][1])
    detail = pick(f"{top}_csynth.rpt", "csynth.rpt")
    if primary and primary.suffix == ".xml" and detail:  # the XML has no per-instance table; the .rpt has
        report["instances"] = parse_file(detail)["instances"]
        report["files"].append(str(detail))
    if primary:
        for key, path in fillers:
            report[key] = parse_file(path)[key]
            report["files"].append(str(path))
    return report


def parse(path) -> dict:
    """Parse an HLS project directory (searched recursively), a folder of report files, or one report file.

    Returns {source: 'vivado_hls'|'vitis_hls'|'vivado', files, top, tool_version, part,
    clock: {target_ns, estimated_ns, uncertainty_ns}, latency: {min_cycles, max_cycles, min_ns, max_ns,
    ns_from: 'report'|'cycles x target clock'}, interval: {min_cycles, max_cycles, type},
    resources: {BRAM_18K|DSP|FF|LUT|URAM: {used, available, percent}}, instances: [...],
    post_synthesis: None | {source, tool_version, part, LUT|FF|DSP|BRAM_36K_tiles|URAM: {...}}}.
    For the top function XML beats text; a vivado_synth.rpt anywhere under a directory fills post_synthesis.
    Raises ReportError (one line) for missing, truncated, binary or foreign input.
    """
    path = Path(path)
    if path.is_dir():
        return parse_dir(path)
    if not path.exists():
        raise ReportError(f"{path} does not exist: pass an HLS project directory or a report file")
    return parse_file(path)
