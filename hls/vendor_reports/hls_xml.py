"""``<top>_csynth.xml`` / ``csynth.xml``: the ``<profile>`` XML of Vivado HLS and Vitis HLS.

It has the top-level figures and the device totals but no per-instance table.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hls.vendor_reports.schema import (RESOURCES, ReportError, make_latency, make_report, make_resource,
                                       nanoseconds, number, resource_name)


def recognises(text) -> bool:
    return text.lstrip().startswith("<") and "<profile" in text[:2000]


def read(path, text) -> dict:
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
    avail = {resource_name(e.tag): number(e.text) for e in root.findall("AreaEstimates/AvailableResources/*")}
    used = {resource_name(e.tag): number(e.text) for e in root.findall("AreaEstimates/Resources/*")
            if resource_name(e.tag)}
    target = nanoseconds(get("UserAssignments/TargetClockPeriod"))
    return make_report(
        "vitis_hls" if vitis else "vivado_hls", [path], top=get("UserAssignments/TopModelName"),
        tool_version=version, part=get("UserAssignments/Part"),
        clock={"target_ns": target, "uncertainty_ns": nanoseconds(get("UserAssignments/ClockUncertainty")),
               "estimated_ns": nanoseconds(get("PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod"))},
        latency=make_latency(number(get(lat + "Best-caseLatency")), number(get(lat + "Worst-caseLatency")),
                             nanoseconds(get(lat + "Best-caseRealTimeLatency")),
                             nanoseconds(get(lat + "Worst-caseRealTimeLatency")), target),
        interval={"min_cycles": number(get(lat + "Interval-min")), "max_cycles": number(get(lat + "Interval-max")),
                  "type": get("PerformanceEstimates/PipelineType")},
        resources={r: make_resource(used[r], avail.get(r)) if r in used else None for r in RESOURCES})
