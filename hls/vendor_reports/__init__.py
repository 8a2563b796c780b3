"""Read vendor synthesis reports into one schema of plain numbers (absent items are None).

``parse(path)`` takes an HLS project directory, a folder of reports or one report file and returns
{source, files, top, tool_version, part, clock, latency, interval, resources, instances,
post_synthesis, post_implementation, timing, cosim, power, design_size} (``schema.py`` builds it;
``discovery.parse`` documents every key); ``headline`` picks the figures people quote; every failure
is one ``ReportError`` line.

Readers, one module per format, recognised by their content (registry: ``discovery.FORMATS``):
  * ``hls_xml``: ``<top>_csynth.xml`` / ``csynth.xml``, the ``<profile>`` XML of Vivado HLS and Vitis HLS;
  * ``hls_rpt``: ``<top>_csynth.rpt``, "== Vivado HLS Report for" / "== Vitis HLS Report for" text;
  * ``hls_summary_rpt``: ``csynth.rpt``, the Vitis HLS (2020.2+) "== Synthesis Summary Report of";
  * ``hls_cosim``: ``<top>_cosim.rpt``, C/RTL co-simulation (latency and interval measured in RTL);
  * ``hls_design_size``: ``csynth_design_size.rpt|xml``, Vitis' instruction counts per phase;
  * ``vivado_utilization``: ``report_utilization`` after synthesis or implementation (its header says);
  * ``vivado_hierarchical``: the same with ``-hierarchical`` (one row per layer instance and FIFO);
  * ``vivado_timing``: ``report_timing_summary`` (WNS, TNS, WHS, THS, the achieved clock);
  * ``vivado_power``: ``report_power`` (total, dynamic and static power per instance).
The .rpt readers share ``text_tables`` (ASCII tables, Vivado headers); ``discovery`` picks readers,
walks directories, chooses the top function and checks that the reports are of one design.
"""
from __future__ import annotations

import os

from hls.vendor_reports.discovery import parse
from hls.vendor_reports.schema import ReportError, used

__all__ = ["ReportError", "parse", "headline", "readers_digest", "used"]


def readers_digest() -> str:
    """A digest of the readers: results parsed by older readers are re-read when it changes."""
    import hashlib
    from pathlib import Path

    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def headline(report) -> dict:
    """The figures people quote: max latency and II, estimated clock, C-synthesis, Vivado post-synthesis
    and post-implementation usage, timing (WNS, achieved clock) and co-simulated latency and II."""
    if isinstance(report, (str, os.PathLike)):
        report = parse(report)
    res, post, impl = report["resources"], report["post_synthesis"], report["post_implementation"]
    timing, cosim = report["timing"] or {}, report["cosim"] or {}
    return {"latency_cycles": report["latency"]["max_cycles"], "ii_cycles": report["interval"]["max_cycles"],
            "estimated_clock_ns": report["clock"]["estimated_ns"],
            "csynth_dsp": used(res, "DSP"), "csynth_lut": used(res, "LUT"), "csynth_ff": used(res, "FF"),
            "csynth_bram_18k": used(res, "BRAM_18K"), "synth_lut": used(post, "LUT"), "synth_ff": used(post, "FF"),
            "synth_dsp": used(post, "DSP"), "synth_bram_36k_tiles": used(post, "BRAM_36K_tiles"),
            "impl_lut": used(impl, "LUT"), "impl_ff": used(impl, "FF"), "impl_dsp": used(impl, "DSP"),
            "impl_bram_36k_tiles": used(impl, "BRAM_36K_tiles"), "wns_ns": timing.get("wns_ns"),
            "achieved_clock_ns": timing.get("achieved_period_ns"),
            "cosim_latency_cycles": (cosim.get("latency") or {}).get("max_cycles"),
            "cosim_ii_cycles": (cosim.get("interval") or {}).get("max_cycles")}
