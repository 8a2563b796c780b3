"""End to end on simulated showers: four classes through data -> ... -> report, bit-exact firmware."""

import json

import numpy as np
import pytest

from tests.helpers import TEST_CONFIGS, run_cli

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    r = run_cli("all", "--model", TEST_CONFIGS / "tiny_calo.yaml", home=home)
    assert r.returncode == 0, r.stderr[-3000:]
    return home, json.loads((home / "reports/tiny_calo/summary.json").read_text())


def test_four_class_firmware_is_bit_exact(summary):
    _, s = summary
    assert s["csim"]["n_samples"] == s["dataset"]["n_test"] == 144
    assert s["csim"]["bit_exact_fraction"] == 1.0 and s["csim"]["first_mismatch_layer"] is None
    rtl = s["rtl"]["variants"]  # the residual Add and inception Concatenate as Verilog, in Verilator
    assert list(rtl) == ["pruned"] and rtl["pruned"]["synthesis"] is None and "rtl_pruned" not in s["resources"]
    for ref in ("keras", "csim", "emulator"):
        assert rtl["pruned"][ref]["n_samples"] == 144 and rtl["pruned"][ref]["n_mismatched"] == 0, ref


def test_multiclass_report_keys(summary):
    home, s = summary
    fw = s["performance"]["csim_pruned"]
    assert np.array(fw["confusion"]).shape == (4, 4) and np.array(fw["confusion"]).sum() == 144
    assert set(fw["efficiency"]) == {"e-", "gamma", "pi0", "pi+"}
    assert set(fw["pair_auc"]) == {"e-/gamma", "gamma/pi0", "e-/pi+", "gamma/pi+"}
    for variant in ("keras_float", "keras_qat", "keras_pruned"):
        assert set(s["performance"][variant]["pair_auc"]) == set(fw["pair_auc"])
    assert fw == s["performance"]["keras_pruned"]  # bit-exact logits give identical figures
    assert {r["pair"] for r in s["baseline_comparison"]} == set(fw["pair_auc"])
    for plot in s["plots"]:
        assert (home / "reports/tiny_calo" / plot).stat().st_size > 1000


def test_simulation_validation_is_reported(summary):
    _, s = summary
    rows = {r["quantity"]: r["measured"] for r in s["simulation_validation"]}
    assert len(rows) >= 20
    # even with 60 events per point the EM scale and the gamma/pi+ separation are unmistakable
    assert 0.95 < rows["e- response at 50 GeV"] < 1.02
    assert rows["gamma/pi+ AUC on ECAL fraction"] > 0.97


def test_unsupported_energy_range_is_refused(tmp_path):
    bad = (TEST_CONFIGS / "tiny_calo.yaml").read_text().replace("energy_gev: [10, 100]", "energy_gev: [10, 900]")
    (tmp_path / "bad.yaml").write_text(bad)
    r = run_cli("data", "--model", tmp_path / "bad.yaml", home=tmp_path)
    assert r.returncode == 2 and "energy_gev must be [min, max] with 1 <= min < max <= 500 GeV" in r.stderr
    assert not (tmp_path / "data").exists()
