"""Read vendor synthesis reports into one schema of plain numbers (absent items are None).

``parse(path)`` takes an HLS project directory, a folder of reports or one report file and returns
{source, files, top, tool_version, part, clock, latency, interval, resources, instances,
post_synthesis} (``schema.py`` builds it; ``discovery.parse`` documents every key); ``headline``
picks the figures people quote; every failure is one ``ReportError`` line.

Readers, one module per format, recognised by their content (registry: ``discovery.FORMATS``):
  * ``hls_xml``: ``<top>_csynth.xml`` / ``csynth.xml``, the ``<profile>`` XML of Vivado HLS and Vitis HLS;
  * ``hls_rpt``: ``<top>_csynth.rpt``, "== Vivado HLS Report for" / "== Vitis HLS Report for" text;
  * ``hls_summary_rpt``: ``csynth.rpt``, the Vitis HLS (2020.2+) "== Synthesis Summary Report of";
  * ``vivado_utilization``: ``vivado_synth.rpt``, Vivado ``report_utilization`` after synthesis;
  * ``vivado_hierarchical``: the same with ``-hierarchical`` (one row per layer instance and FIFO).
The .rpt readers share ``text_tables`` (the ASCII tables); ``discovery`` picks readers, walks
directories and chooses the top function.
"""
from __future__ import annotations

import os

from hls.vendor_reports.discovery import parse
from hls.vendor_reports.schema import ReportError

__all__ = ["ReportError", "parse", "headline"]


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
