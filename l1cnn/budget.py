"""The Level-1 verdict: does a firmware variant fit its trigger slot?

Latency against `budget.latency_ns`; the initiation interval against the
bunch-crossing period (a new event every 1000/rate_mhz ns); each resource
against `budget.resource_share` of the part. Every item says which source its
figure came from (a vendor report or the offline estimate).
"""

from hls.parts import lookup

RESOURCES = ("lut", "ff", "dsp", "bram_18k")  # the same names in a resources block and in hls.parts


def verdict(resources: dict, budget, hls) -> dict:
    """{"pass": bool, "source", "items": [{"item", "value", "limit", "unit", "pass", "margin"}]} of one
    variant's resources, against a config.schema.Budget on the part of an hls.settings.HlsSettings."""
    part = lookup(hls.part)
    period_ns = 1000.0 / budget.rate_mhz
    items = []

    def item(name, value, limit, unit):
        ok = value is not None and value <= limit
        items.append({"item": name, "value": value, "limit": limit, "unit": unit, "pass": ok,
                      "margin": None if value is None else limit - value})

    latency_ns = resources.get("latency_ns")
    if latency_ns is None and resources.get("latency_cycles") is not None:
        latency_ns = resources["latency_cycles"] * hls.clock_period_ns
    item("latency", latency_ns, budget.latency_ns, "ns")
    ii = resources.get("ii_cycles")
    item("initiation interval", None if ii is None else ii * hls.clock_period_ns, period_ns, "ns")
    for key in RESOURCES:
        used = resources.get(key)
        item(key.upper(), None if used is None else used / part[key] * 100.0, budget.resource_share * 100.0,
             f"% of {part['device']}")
    return {"pass": all(i["pass"] for i in items), "source": resources.get("source"), "items": items}
