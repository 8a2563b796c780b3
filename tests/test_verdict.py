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
