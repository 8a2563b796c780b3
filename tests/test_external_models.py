"""Models other people trained (../shared/fixtures/external_models), as a user brings them: each one in
tests/external_models.yaml converts and verifies as the list expects (the quantized ones bit-exact at
the logits in C simulation; ones with float arithmetic decide like Keras, with every difference starting
at a layer whose exactness rests on Keras' float32), and no command ever answers with a traceback."""

import json

import numpy as np
import pytest

from l1cnn.commands.external import MIN_MEASURED_ARGMAX, read_list, verify_entry
from tests.helpers import REPO, fixture, run_cli

pytestmark = pytest.mark.integration

ROOT = fixture("external_models")
LIST = read_list(REPO / "tests" / "external_models.yaml")
MODEL_FILES = sorted(p for p in ROOT.glob("*/*") if p.suffix in (".h5", ".keras", ".json") and "weights" not in p.name
                     and p.name != "info.json")


def test_every_fixture_model_is_in_the_list():
    assert len(MODEL_FILES) >= 5 and {str(p.relative_to(ROOT)) for p in MODEL_FILES} == {
        e["model"] for e in LIST.values()}


@pytest.mark.parametrize("name", sorted(LIST))
def test_external_model_verifies_as_expected(name):
    entry = LIST[name]
    res = verify_entry(name, entry, ROOT, against_default=False)
    assert res["n_samples"] >= 100
    if entry["expect"] == "bit-exact":
        assert res["bit_exact_fraction"] == 1.0, res.get("diagnosis")
        assert res["guaranteed"], res["float32_layers"]
    else:
        assert res["argmax_agreement"] >= MIN_MEASURED_ARGMAX, res
        assert res["float32_layers"], res  # measured: the layers that make it so are named, with counts
        assert all("n_values" in f for f in res["float32_layers"]), res["float32_layers"]
        assert res["cause"] in (None, "keras-float32"), res.get("diagnosis")


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.parent.name)
def test_estimate_answers_and_unsuited_inputs_are_one_line(path, tmp_path):
    info = json.loads((path.parent / "info.json").read_text())
    shape = info["input_shape"][1:]  # [None, ...]
    fmt = next(e["input_format"] for e in LIST.values() if e["model"] == str(path.relative_to(ROOT)))
    r = run_cli("estimate", path, "--input-format", fmt, "--json")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert json.loads(r.stdout)["total"]["lut"] > 0
    np.save(tmp_path / "x.npy", np.zeros((3, *shape[:-1], shape[-1] + 1), np.float32))
    r = run_cli("verify", path, "--inputs", tmp_path / "x.npy", "--input-format", fmt)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "reshape them" in r.stderr, r.stderr[-2000:]
