"""The Level-1 verdict: PASS only when the pessimistic end of every estimated interval fits the
budget, MARGINAL when only the central values do, FAIL otherwise; vendor figures are PASS/FAIL."""

import pytest

from hls.settings import DEFAULTS
from l1cnn.budget import verdict
from l1cnn.config.schema import Budget

pytestmark = pytest.mark.unit
BUDGET = Budget(latency_ns=500.0, rate_mhz=40.0, resource_share=0.3)  # 25 ns per event on xcvu13p


def _resources(lut, lut_high=None, source="estimate"):
    r = {"source": source, "latency_cycles": 20, "latency_ns": 100.0, "ii_cycles": 4, "lut": lut, "ff": 1000,
         "dsp": 0, "bram_18k": 0}
    if lut_high is not None:
        r["intervals"] = {"lut": {"low": lut * 0.8, "high": lut_high}}
    return r


def test_three_way_verdict_names_what_decided_it():
    part_lut = 1_728_000
    ok = verdict(_resources(0.1 * part_lut, 0.2 * part_lut), BUDGET, DEFAULTS)
    assert ok["verdict"] == "PASS" and ok["pass"] and ok["decided_by"] == []
    marginal = verdict(_resources(0.2 * part_lut, 0.4 * part_lut), BUDGET, DEFAULTS)
    assert marginal["verdict"] == "MARGINAL" and not marginal["pass"] and marginal["decided_by"] == ["LUT"]
    lut = next(i for i in marginal["items"] if i["item"] == "LUT")
    assert lut["pass"] and not lut["pass_pessimistic"] and lut["pessimistic"] == pytest.approx(40.0)
    fail = verdict(_resources(0.35 * part_lut, 0.5 * part_lut), BUDGET, DEFAULTS)
    assert fail["verdict"] == "FAIL" and fail["decided_by"] == ["LUT"]


def test_a_vendor_figure_has_no_interval():
    v = verdict(_resources(0.2 * 1_728_000, source="vitis_hls"), BUDGET, DEFAULTS)
    assert v["verdict"] == "PASS" and all(i["pessimistic"] == i["value"] for i in v["items"])


def _vendor_report(wns, whs=0.1, cosim="pass", lut_impl=30_000):
    """A parsed vendor result (hls/vendor_reports schema, the keys vendor_figures reads)."""
    used = lambda v: {"used": v, "available": None, "percent": None}  # noqa: E731
    return {"source": "vitis_hls", "clock": {"target_ns": 5.0},
            "latency": {"max_cycles": 20}, "interval": {"max_cycles": 4},
            "resources": {"LUT": used(50_000), "FF": used(9_000), "DSP": used(10), "BRAM_18K": used(0)},
            "post_synthesis": {"LUT": used(40_000), "FF": used(8_000), "DSP": used(10), "BRAM_36K_tiles": used(0)},
            "post_implementation": {"LUT": used(lut_impl), "FF": used(7_000), "DSP": used(10),
                                    "BRAM_36K_tiles": used(1.5)},
            "timing": {"stage": "routed", "wns_ns": wns, "target_period_ns": 5.0, "achieved_period_ns": 5.0 - wns,
                       "constraints_met": wns >= 0 and whs >= 0},
            "cosim": {"status": cosim, "passed": cosim == "pass", "latency": {"max_cycles": 22},
                      "interval": {"max_cycles": None}}}


def test_the_most_final_vendor_figures_are_judged_and_named():
    from l1cnn.figures import vendor_figures

    r = vendor_figures(_vendor_report(wns=0.4))
    assert (r["source"], r["lut"], r["bram_18k"]) == ("vivado-impl", 30_000, 3)  # 1.5 tiles = 3 x 18 Kb
    assert r["sources"] == {"resources": "vivado-impl", "latency": "cosim", "ii": "vitis", "timing": "vivado-impl"}
    assert (r["latency_cycles"], r["latency_ns"], r["ii_cycles"]) == (22, 110.0, 4)  # cosim measured no II
    v = verdict(r, BUDGET, DEFAULTS)
    assert v["verdict"] == "PASS" and v["sources"] == r["sources"]
    assert {i["item"] for i in v["items"]} >= {"clock period achieved", "timing constraints", "co-simulation"}


def test_failed_timing_is_a_figure_and_stretches_latency_and_interval():
    from l1cnn.figures import vendor_figures

    r = vendor_figures(_vendor_report(wns=-1.25))  # achieved 6.25 ns against 5 ns
    assert r["achieved_period_ns"] == 6.25 and r["latency_ns"] == 22 * 6.25
    v = verdict(r, BUDGET, DEFAULTS)
    items = {i["item"]: i for i in v["items"]}
    assert v["verdict"] == "FAIL" and "clock period achieved" in v["decided_by"]
    assert not items["timing constraints"]["pass"]
    assert items["initiation interval"]["value"] == 4 * 6.25  # 25 ns: at the limit of a 40 MHz slot
    hold = verdict(vendor_figures(_vendor_report(wns=0.4, whs=-0.02)), BUDGET, DEFAULTS)
    assert hold["decided_by"] == ["timing constraints"]  # a hold violation fails though the period fits
    bad_cosim = verdict(vendor_figures(_vendor_report(wns=0.4, cosim="fail")), BUDGET, DEFAULTS)
    assert bad_cosim["decided_by"] == ["co-simulation"]
    # a failed co-simulation measures nothing: latency from C synthesis, named so
    assert vendor_figures(_vendor_report(wns=0.4, cosim="fail"))["sources"]["latency"] == "vitis"
