"""Read vendor synthesis reports into one schema of plain numbers (absent items are None).

Formats, recognised by their content:
  * ``<top>_csynth.xml`` / ``csynth.xml``: the ``<profile>`` XML of Vivado HLS and Vitis HLS;
  * ``<top>_csynth.rpt``: "== Vivado HLS Report for" / "== Vitis HLS Report for" text;
  * ``csynth.rpt``: the Vitis HLS (2020.2+) "== Synthesis Summary Report of" (Modules & Loops tree);
  * ``vivado_synth.rpt``: Vivado ``report_utilization`` after synthesis, as hls4ml writes it.
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

__all__ = ["ReportError", "parse", "headline"]

RESOURCES = ("BRAM_18K", "DSP", "FF", "LUT", "URAM")
_NS_PER = {"ps": 1e-3, "ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
_BORDER = re.compile(r"^\s*\+-[-+]*\+\s*$")
_HLS_FILE = re.compile(r"^(?:(.+)_)?csynth\.(xml|rpt)$")
# Where a project says which function is the top: vivado_hls.app/hls.app, hls4ml's project.tcl,
# and the solution-level csynth.xml/csynth.rpt that only exist for the top.
_TOP_SAID = re.compile(r"""\btop="([^"]+)"|set\s+project_name\s+"?(\w+)|<TopModelName>\s*([^<\s]+)"""
                       r"""|Report (?:of|for) '([^']+)'""")
# Vivado names its rows per device family (7-series "Slice ...", UltraScale+ "CLB ...").
_SYNTH_ROWS = {"LUT": ("CLB LUTs", "Slice LUTs"), "FF": ("CLB Registers", "Slice Registers"),
               "DSP": ("DSPs",), "BRAM_36K_tiles": ("Block RAM Tile",), "URAM": ("URAM",)}


class ReportError(ValueError):
    """A report is missing, truncated, or not a vendor report. The message is always one line."""

    def __init__(self, message):
        super().__init__(" ".join(str(message).split()))


class _Cut(Exception):
    """A table ends without its closing border: the file was cut off."""


# ---------------------------------------------------------------- values
def _num(text):
    """'1,234' -> 1234, '4.363' -> 4.363; '-', '?', 'undef', '~0', '<0.01', '' -> None."""
    t = (text or "").strip().replace(",", "")
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    return float(t) if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", t) else None


def _ns(text):
    """'5.220 us' -> 5220.0: reports switch units as values grow. A bare number is in ns."""
    m = re.fullmatch(r"\s*(\S+?)\s*(ps|ns|us|ms|s)?\s*", text or "")
    value = _num(m.group(1)) if m else None
    return None if value is None else round(value * _NS_PER[m.group(2) or "ns"], 6)


def _resource(used, available, percent=None):
    # Reports print '~0' / '<0.01' for small shares and the XML prints none: then compute it.
    if percent is None and used is not None and available:
        percent = round(100.0 * used / available, 2)
    elif percent is None and used == 0:
        percent = 0
    return {"used": used, "available": available, "percent": None if percent is None else float(percent)}


def _latency(cmin, cmax, ns_min, ns_max, target_ns):
    ns_from = "report" if (ns_min, ns_max) != (None, None) else None
    if ns_from is None and target_ns is not None and (cmin, cmax) != (None, None):
        ns_min, ns_max = (None if c is None else round(c * target_ns, 6) for c in (cmin, cmax))
        ns_from = "cycles x target clock"
    return {"min_cycles": cmin, "max_cycles": cmax, "min_ns": ns_min, "max_ns": ns_max, "ns_from": ns_from}


def _canon(column):
    """Report column -> schema resource name; DSP48E (Vivado HLS) and DSP (Vitis) are both 'DSP'."""
    c = column.strip().upper()
    return "DSP" if c.startswith("DSP") else "BRAM_18K" if c in ("BRAM_18K", "BRAM") else \
        c if c in ("FF", "LUT", "URAM") else None


def _report(source, files, **fields):
    """Every result carries every key of the schema, whatever the input held."""
    return {"source": source, "files": [str(f) for f in files], "top": None, "tool_version": None, "part": None,
            "clock": {"target_ns": None, "estimated_ns": None, "uncertainty_ns": None},
            "latency": _latency(None, None, None, None, None),
            "interval": {"min_cycles": None, "max_cycles": None, "type": None},
            "resources": {r: None for r in RESOURCES}, "instances": [], "post_synthesis": None, **fields}


def _instance(name, module, **fields):
    return {"instance": name, "module": module, "latency_min_cycles": None, "latency_max_cycles": None,
            "interval_min_cycles": None, "interval_max_cycles": None, **{r: None for r in RESOURCES}, **fields}


# ---------------------------------------------------------------- ASCII tables
def _table(lines, i):
    """Read the table whose top border is lines[i] -> (column names, raw row cells, index after it).

    Column edges are the border's '+' marks. Header lines may carry group labels spanning several
    columns ('Latency (cycles)' over 'min | max'); they are joined: 'Latency (cycles) min'.
    """
    cuts = [k for k, c in enumerate(lines[i]) if c == "+"]
    spans = list(zip(cuts, cuts[1:]))
    header, rows, j, in_header = [], [], i + 1, True
    while j < len(lines) and (lines[j].lstrip().startswith("|") or _BORDER.match(lines[j])):
        if _BORDER.match(lines[j]):
            in_header = False
        elif in_header:
            header.append(lines[j])
        else:
            rows.append([lines[j][a + 1:b] for a, b in spans])
        j += 1
    if not _BORDER.match(lines[j - 1]):
        raise _Cut(f"the table at line {i + 1} has no closing border")
    names = []
    for a, b in spans:
        labels = []
        for line in header:
            bars = [k for k, c in enumerate(line) if c == "|"]
            labels += [line[lo + 1:hi].strip() for lo, hi in zip(bars, bars[1:]) if lo <= a and b <= hi]
        names.append(" ".join(filter(None, labels)))
    return names, rows, j


def _dicts(names, rows):
    """Rows as {column key: stripped cell}; keys drop spaces and case: 'latency(cycles)min'."""
    keys = [re.sub(r"\s+", "", n).lower() for n in names]
    return [{k: cell.strip() for k, cell in zip(keys, row)} for row in rows]


def _pick(row, *keys):
    return next((row[k] for k in keys if k in row), None)


def _find(lines, start, stop, pattern):
    return next((k for k in range(start, stop) if re.match(pattern, lines[k])), None)


def _table_after(lines, start, stop):
    """The first table in lines[start:stop] as (names, rows); None if the tool wrote N/A or none."""
    for k in range(start, stop) if start is not None else ():
        if lines[k].strip() == "N/A":
            return None
        if _BORDER.match(lines[k]):
            return _table(lines, k)[:2]
    return None


def _rows_after(lines, start, stop):
    found = _table_after(lines, start, stop)
    return _dicts(*found) if found else []


def _header(text, label):
    m = re.search(rf"^\s*\* {label}:[ \t]*(\S+)", text, re.M)
    return m and m.group(1)


# ---------------------------------------------------------------- HLS text reports
def _hls_rpt(path, text):
    lines = text.splitlines()
    title = re.search(r"^== (Vivado|Vitis) HLS Report for '([^']+)'", text, re.M)
    starts = [(k, line[3:].strip()) for k, line in enumerate(lines) if line.startswith("== ")]
    sections = {t: (k, end) for (k, t), end in zip(starts, [k for k, _ in starts[1:]] + [len(lines)])}
    # 'Interface' is the last section, so a file that lacks it (or its table) was cut off.
    for needed in ("Performance Estimates", "Utilization Estimates", "Interface"):
        if needed not in sections:
            raise ReportError(f"{path} is truncated: no '{needed}' section; copy the whole file or re-run C synthesis")
    if not _table_after(lines, *sections["Interface"]):
        raise ReportError(f"{path} is truncated: its 'Interface' section has no table")
    p0, p1 = sections["Performance Estimates"]
    u0, u1 = sections["Utilization Estimates"]
    clock = (_rows_after(lines, _find(lines, p0, p1, r"\+ Timing"), p1) or [{}])[0]
    lat_at = _find(lines, p0, p1, r"\+ Latency")
    lat = (_rows_after(lines, lat_at, p1) or [{}])[0]
    names, rows = _table_after(lines, u0, u1) or ([], [])
    by_name = {row[0].strip(): row for row in rows}  # Total, Available, Utilization (%), ... SLR rows
    if "Total" not in by_name:
        raise ReportError(f"{path} is truncated: its 'Utilization Estimates' table has no Total row")
    cell = lambda row, c: _num(by_name[row][c]) if row in by_name else None  # noqa: E731
    resources = {r: None for r in RESOURCES}
    resources.update({_canon(n): _resource(cell("Total", c), cell("Available", c), cell("Utilization (%)", c))
                      for c, n in enumerate(names) if c and _canon(n)})
    target = _ns(_pick(clock, "target"))
    return _report(
        "vitis_hls" if title and title.group(1) == "Vitis" else "vivado_hls", [path],
        top=title and title.group(2), tool_version=_header(text, "Version"), part=_header(text, "Target device"),
        clock={"target_ns": target, "estimated_ns": _ns(_pick(clock, "estimated")),
               "uncertainty_ns": _ns(_pick(clock, "uncertainty"))},
        # Vivado HLS <= 2018 had no 'Latency (absolute)' columns and called the cycles just 'Latency'.
        latency=_latency(_num(_pick(lat, "latency(cycles)min", "latencymin")),
                         _num(_pick(lat, "latency(cycles)max", "latencymax")),
                         _ns(_pick(lat, "latency(absolute)min")), _ns(_pick(lat, "latency(absolute)max")), target),
        interval={"min_cycles": _num(_pick(lat, "intervalmin")), "max_cycles": _num(_pick(lat, "intervalmax")),
                  "type": _pick(lat, "pipelinetype") or None},
        resources=resources,
        instances=_instances(_rows_after(lines, _find(lines, lat_at or p0, p1, r"\s*\* Instance:"), p1),
                             _rows_after(lines, _find(lines, u0, u1, r"\s*\* Instance:"), u1)))


def _instances(latency_rows, utilization_rows):
    """Join the two per-instance tables (latency, then resources) on the instance name."""
    out = {}
    for r in latency_rows:
        out.setdefault(r["instance"], _instance(r["instance"], r.get("module"))).update(
            latency_min_cycles=_num(_pick(r, "latency(cycles)min", "latencymin")),
            latency_max_cycles=_num(_pick(r, "latency(cycles)max", "latencymax")),
            interval_min_cycles=_num(r.get("intervalmin")), interval_max_cycles=_num(r.get("intervalmax")))
    for r in utilization_rows:
        if r.get("instance") not in (None, "", "Total"):
            out.setdefault(r["instance"], _instance(r["instance"], r.get("module"))).update(
                {_canon(k): _num(v) for k, v in r.items() if _canon(k)})
    return list(out.values())


def _used_percent(cell):
    """Summary-table cell '39 (17%)' -> (39, 17.0); '5 (~0%)' -> (5, None); on a module row '-' means 0."""
    m = re.fullmatch(r"(\d+)\s*(?:\((~?)([\d.]+)%\))?", cell)
    if cell == "-" or not m:
        return (0, 0.0) if cell == "-" else (None, None)
    return int(m[1]), None if m[2] or not m[3] else float(m[3])


def _summary_rpt(path, text):
    """Vitis csynth.rpt 'Synthesis Summary': one Modules & Loops tree, no clock, no device totals."""
    lines, top = text.splitlines(), re.search(r"^== Synthesis Summary Report of '([^']+)'", text, re.M).group(1)
    names, raw = _table_after(lines, _find(lines, 0, len(lines), r"\s*\+ Performance & Resource"), len(lines)) \
        or ([], [])
    if not raw:
        raise ReportError(f"{path} is truncated: no 'Performance & Resource Estimates' table")
    rows = _dicts(names, raw)
    # Instances are the direct sub-modules: '+' rows with only 'o' loops between them and the top.
    stack, children = [], []
    for cells, row in zip(raw[1:], rows[1:]):
        depth, kind = len(cells[0]) - len(cells[0].lstrip()), cells[0].strip()[:1]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if kind == "+" and all(k == "o" for _, k in stack):
            name = cells[0].strip()[1:].strip().rstrip("*")
            children.append(_instance(name, name, latency_max_cycles=_num(row.get("latency(cycles)")),
                                      interval_max_cycles=_num(row.get("interval")),
                                      **{_canon(k): _used_percent(v)[0] for k, v in row.items() if _canon(k)}))
        stack.append((depth, kind))
    head, resources = rows[0], {r: None for r in RESOURCES}
    for column, value in head.items():
        if _canon(column):  # the summary states no device totals, so 'available' stays None
            used, percent = _used_percent(value)
            resources[_canon(column)] = _resource(used, None, percent)
    return _report(
        "vitis_hls", [path], top=top, tool_version=_header(text, "Version"), part=_header(text, "Target device"),
        latency=_latency(None, _num(head.get("latency(cycles)")), None, _ns(head.get("latency(ns)")), None),
        interval={"min_cycles": None, "max_cycles": _num(head.get("interval")), "type": head.get("pipelined")},
        resources=resources, instances=children)


# ---------------------------------------------------------------- HLS XML
def _hls_xml(path, text):
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise ReportError(f"{path} is truncated or not well-formed XML ({e}); copy the whole file again") from None
    if root.tag != "profile" or root.find("AreaEstimates/Resources") is None:
        raise ReportError(f"{path} is XML but not a Vivado/Vitis HLS csynth report (no AreaEstimates)")
    get = lambda p: (root.findtext(p) or "").strip() or None  # noqa: E731
    version, lat = get("ReportVersion/Version"), "PerformanceEstimates/SummaryOfOverallLatency/"
    m = re.match(r"(\d{4})\.(\d+)", version or "")
    # Vivado HLS ended at 2020.1; Vitis HLS began at 2020.2 and added <FlowTarget>.
    vitis = root.find("UserAssignments/FlowTarget") is not None or bool(m and (int(m[1]), int(m[2])) >= (2020, 2))
    avail = {_canon(e.tag): _num(e.text) for e in root.findall("AreaEstimates/AvailableResources/*")}
    used = {_canon(e.tag): _num(e.text) for e in root.findall("AreaEstimates/Resources/*") if _canon(e.tag)}
    target = _ns(get("UserAssignments/TargetClockPeriod"))
    return _report(
        "vitis_hls" if vitis else "vivado_hls", [path], top=get("UserAssignments/TopModelName"),
        tool_version=version, part=get("UserAssignments/Part"),
        clock={"target_ns": target, "uncertainty_ns": _ns(get("UserAssignments/ClockUncertainty")),
               "estimated_ns": _ns(get("PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod"))},
        latency=_latency(_num(get(lat + "Best-caseLatency")), _num(get(lat + "Worst-caseLatency")),
                         _ns(get(lat + "Best-caseRealTimeLatency")), _ns(get(lat + "Worst-caseRealTimeLatency")),
                         target),
        interval={"min_cycles": _num(get(lat + "Interval-min")), "max_cycles": _num(get(lat + "Interval-max")),
                  "type": get("PerformanceEstimates/PipelineType")},
        resources={r: _resource(used[r], avail.get(r)) if r in used else None for r in RESOURCES})


# ---------------------------------------------------------------- Vivado utilization
def _vivado_synth(path, text):
    lines = text.splitlines()
    toc = _find(lines, 0, len(lines), r"Table of Contents\s*$")
    if toc is not None:  # the last section listed there must appear as a heading, or the file was cut off
        entries = [e.strip() for e in lines[toc + 2:(_find(lines, toc + 2, len(lines), r"\s*$") or len(lines))]]
        if entries and not any(lines[k].strip() == entries[-1] and lines[k + 1].startswith("---")
                               for k in range(toc + 2 + len(entries), len(lines) - 1)):
            raise ReportError(f"{path} is truncated: section '{entries[-1]}' of its table of contents is missing")
    rows, k = {}, 0
    while k < len(lines):
        if not _BORDER.match(lines[k]):
            k += 1
            continue
        names, raw, k = _table(lines, k)
        for row in _dicts(names, raw):
            if "sitetype" in row and "used" in row:  # skips the per-SLR and primitive tables
                rows.setdefault(row["sitetype"].rstrip("*").strip(), row)
    if not any(n in rows for n in _SYNTH_ROWS["LUT"]):
        raise ReportError(f"{path} has no 'Slice LUTs'/'CLB LUTs' row: not a complete Vivado utilization report")
    field = lambda pattern: (re.search(rf"^\|\s*{pattern}", text, re.M) or [None, None])[1]  # noqa: E731
    post = {"source": "vivado", "tool_version": field(r"Tool Version\s*:\s*Vivado v\.(\S+)"),
            "part": field(r"Device\s*:\s*(\S+)")}
    for key, names in _SYNTH_ROWS.items():
        row = next((rows[n] for n in names if n in rows), None)
        post[key] = row and _resource(_num(row["used"]), _num(row.get("available")), _num(row.get("util%")))
    return _report("vivado", [path], top=field(r"Design\s*:\s*(\S+)"), tool_version=post["tool_version"],
                   part=post["part"], post_synthesis=post)


# ---------------------------------------------------------------- files and directories
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


def _parse_file(path):
    text = _read_text(path)
    if text.lstrip().startswith("<") and "<profile" in text[:2000]:
        reader = _hls_xml
    elif re.search(r"^== (Vivado|Vitis) HLS Report for '", text, re.M):
        reader = _hls_rpt
    elif re.search(r"^== Synthesis Summary Report of '", text, re.M):
        reader = _summary_rpt
    elif "report_utilization" in text[:3000] or "Utilization Design Information" in text[:3000]:
        reader = _vivado_synth
    else:
        raise ReportError(f"{path} is not a Vivado/Vitis HLS or Vivado synthesis report "
                          "(expected *_csynth.xml, *_csynth.rpt, csynth.rpt or vivado_synth.rpt content)")
    try:
        return reader(path, text)
    except ReportError:
        raise
    except _Cut as e:
        raise ReportError(f"{path} is truncated or damaged: {e}; copy the whole file again") from None
    except Exception as e:  # an unforeseen layout must still give one clear line, not a traceback
        raise ReportError(f"{path} has a layout this parser does not know ({type(e).__name__}: {e})") from e


def _peek(path):
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""


def _choose_top(root, hls, hints):
    """The design's top among <name>_csynth.*: HLS also writes one per sub-module beside it."""
    tops = {}
    for p in hls:
        if _HLS_FILE.match(p.name).group(1):
            tops.setdefault(_HLS_FILE.match(p.name).group(1), []).append(p)
    if len(tops) <= 1:
        return next(iter(tops), None)
    for p in hints + [p for p in hls if not _HLS_FILE.match(p.name).group(1)]:
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


def _parse_dir(root):
    hls, synth, hints = [], [], []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .autopilot: tool databases
        for f in sorted(files):
            kind = hls if _HLS_FILE.match(f) else synth if f == "vivado_synth.rpt" else \
                hints if f.endswith(".app") or f == "project.tcl" else None
            if kind is not None:
                kind.append(Path(here, f))
    if not hls and not synth:
        raise ReportError(f"no HLS report found in {root}: expected <top>_csynth.xml or <top>_csynth.rpt under "
                          "<prj>/solution1/syn/report/ (or csynth.xml/.rpt, vivado_synth.rpt), or the files themselves")
    for found in (hls, synth, hints):  # shallowest first: the project's own files, not copies deep inside
        found.sort(key=lambda p: (len(p.relative_to(root).parts), str(p)))
    top = _choose_top(root, hls, hints)
    pick = lambda *names: next((p for n in names for p in hls if p.name == n), None)  # noqa: E731
    primary = pick(f"{top}_csynth.xml", "csynth.xml", f"{top}_csynth.rpt", "csynth.rpt")
    report = _parse_file(primary or synth[0])
    detail = pick(f"{top}_csynth.rpt", "csynth.rpt")
    if primary and primary.suffix == ".xml" and detail:  # the XML has no per-instance table; the .rpt has
        report["instances"] = _parse_file(detail)["instances"]
        report["files"].append(str(detail))
    if primary and synth:
        report["post_synthesis"] = _parse_file(synth[0])["post_synthesis"]
        report["files"].append(str(synth[0]))
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
        return _parse_dir(path)
    if not path.exists():
        raise ReportError(f"{path} does not exist: pass an HLS project directory or a report file")
    return _parse_file(path)


def headline(report) -> dict:
    """The figures people quote: max latency and II, estimated clock, C-synthesis and Vivado usage."""
    if isinstance(report, (str, os.PathLike)):
        report = parse(report)
    used = lambda group, name: ((group or {}).get(name) or {}).get("used")  # noqa: E731
    res, post = report["resources"], report["post_synthesis"]
    return {"latency_cycles": report["latency"]["max_cycles"], "ii_cycles": report["interval"]["max_cycles"],
            "estimated_clock_ns": report["clock"]["estimated_ns"],
            "csynth_dsp": used(res, "DSP"), "csynth_lut": used(res, "LUT"), "csynth_ff": used(res, "FF"),
            "csynth_bram_18k": used(res, "BRAM_18K"), "synth_lut": used(post, "LUT"), "synth_ff": used(post, "FF"),
            "synth_dsp": used(post, "DSP"), "synth_bram_36k_tiles": used(post, "BRAM_36K_tiles")}
