"""Models other people trained (../shared/fixtures/external_models): every l1cnn command either works
or refuses in one line naming the reason, never a traceback (their full support is issue-tracked)."""

import json

import numpy as np
import pytest

from tests.helpers import fixture, run_cli

pytestmark = pytest.mark.integration

ROOT = fixture("external_models")
MODEL_FILES = sorted(p for p in ROOT.glob("*/*") if p.suffix in (".h5", ".keras") and "weights" not in p.name)


def test_the_fixtures_are_there():
    assert len(MODEL_FILES) >= 3, MODEL_FILES


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.parent.name)
def test_estimate_and_verify_answer_or_refuse_in_one_line(path, tmp_path):
    info = json.loads((path.parent / "info.json").read_text())
    shape = info["input_shape"][1:]  # [None, ...]
    np.save(tmp_path / "x.npy", np.zeros((3, *shape), np.float32))
    for args in (("estimate", path, "--json"), ("verify", path, "--inputs", tmp_path / "x.npy", "--json")):
        r = run_cli(*args)
        assert "Traceback" not in r.stderr, r.stderr[-3000:]
        if r.returncode == 2:
            assert r.stderr.strip().splitlines()[-1].startswith("l1cnn: error: "), r.stderr[-500:]
        else:
            assert r.returncode in (0, 1) and json.loads(r.stdout), (args, r.stderr[-1500:])
