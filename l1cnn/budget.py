"""The Level-1 verdict: does a firmware variant fit its trigger slot?

Latency against `budget.latency_ns`; the initiation interval against the
bunch-crossing period (a new event every 1000/rate_mhz ns); each resource
against `budget.resource_share` of the part; where Vivado's timing ran, the clock
it achieved against the target, and where co-simulation ran, its status. The
figures are the most final ones (l1cnn/figures.py: post-route over post-synthesis
over C synthesis over estimate), and the verdict names their sources.

A vendor figure is a measurement: PASS or FAIL. An estimated figure carries the interval its
calibration on real reports gives (hls/estimate/intervals.py): PASS only when the pessimistic end
of every interval fits, MARGINAL when only the central values fit, FAIL otherwise; the verdict
names the items that decided it.
"""

from hls.parts import lookup

RESOURCES = ("lut", "ff", "dsp", "bram_18k")  # the same names in a resources block and in hls.parts


def verdict(resources: dict, budget, hls) -> dict:
    """{"verdict": PASS|MARGINAL|FAIL, "pass", "source", "decided_by", "items": [{"item", "value",
    "pessimistic", "limit", "unit", "pass", "pass_pessimistic", "margin"}]} of one variant's resources,
    against a config.schema.Budget on the part of an hls.settings.HlsSettings."""
    part = lookup(hls.part)
    period_ns = 1000.0 / budget.rate_mhz
    intervals = resources.get("intervals") or {}
    items = []

    def item(name, value, high, limit, unit):
        ok = value is not None and value <= limit
        high = value if high is None else high
        items.append({"item": name, "value": value, "pessimistic": high, "limit": limit, "unit": unit,
                      "pass": ok, "pass_pessimistic": high is not None and high <= limit,
                      "margin": None if value is None else limit - value})

    def high(key, scale=1.0):
        return None if key not in intervals else intervals[key]["high"] * scale

    latency_ns = resources.get("latency_ns")
    if latency_ns is None and resources.get("latency_cycles") is not None:
        latency_ns = resources["latency_cycles"] * hls.clock_period_ns
    cycles = resources.get("latency_cycles")
    item("latency", latency_ns, high("latency_cycles", (latency_ns / cycles) if cycles else hls.clock_period_ns),
         budget.latency_ns, "ns")
    ii = resources.get("ii_cycles")
    clock_ns = resources.get("period_ns") or hls.clock_period_ns  # the achieved clock where timing failed
    item("initiation interval", None if ii is None else ii * clock_ns, high("ii_cycles", clock_ns), period_ns, "ns")
    for key in RESOURCES:
        used = resources.get(key)
        share = 100.0 / part[key]
        item(key.upper(), None if used is None else used * share, high(key, share), budget.resource_share * 100.0,
             f"% of {part['device']}")
    if resources.get("achieved_period_ns") is not None:  # Vivado's timing: a negative WNS fails here
        item("clock period achieved", resources["achieved_period_ns"], None,
             resources.get("target_period_ns") or hls.clock_period_ns, "ns")
    if resources.get("timing_met") is not None:  # hold and pulse-width violations fail here too
        ok = bool(resources["timing_met"])
        items.append({"item": "timing constraints", "value": "met" if ok else "not met", "pessimistic": None,
                      "limit": "met", "unit": "", "pass": ok, "pass_pessimistic": ok, "margin": None})
    if resources.get("cosim_status") is not None:  # the RTL must reproduce the C simulation's outputs
        ok = resources["cosim_status"] == "pass"
        items.append({"item": "co-simulation", "value": resources["cosim_status"], "pessimistic": None,
                      "limit": "pass", "unit": "", "pass": ok, "pass_pessimistic": ok, "margin": None})
    if not all(i["pass"] for i in items):
        result, decided = "FAIL", [i["item"] for i in items if not i["pass"]]
    elif not all(i["pass_pessimistic"] for i in items):
        result, decided = "MARGINAL", [i["item"] for i in items if not i["pass_pessimistic"]]
    else:
        result, decided = "PASS", []
    return {"verdict": result, "pass": result == "PASS", "source": resources.get("source"),
            "sources": resources.get("sources") or {"resources": resources.get("source")},
            "decided_by": decided, "items": items}
