"""Config validation: every malformed or out-of-range value gets a one-line error naming the field."""

import copy
import re

import pytest
import yaml

from l1cnn import config
from l1cnn.errors import UserError
from tests.helpers import TEST_CONFIGS, run_cli

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def good():
    return yaml.safe_load((TEST_CONFIGS / "tiny_jet.yaml").read_text())


def test_shipped_configs_validate():
    names = config.shipped_models()
    assert "jet_cnn" in names
    for n in names:
        assert config.load(n)["name"] == n


def _set(cfg, path, value):
    d = cfg
    keys = path.split(".")
    for k in keys[:-1]:
        d = d[int(k)] if isinstance(d, list) else d[k]
    if value is ...:
        del d[keys[-1]]
    else:
        d[keys[-1]] = value


@pytest.mark.parametrize("path,value,expect", [
    ("training.epochs", -3, "training.epochs must be an integer >= 1"),
    ("training.learning_rate", "fast", "training.learning_rate must be a number"),
    ("dataset.seed", 0, "dataset.seed must be an integer in 1..900000000"),
    ("dataset.split.train", 0.9, "dataset.split fractions must add up to 1"),
    ("dataset.generator", "geant4", "dataset.generator must be one of jets, calo"),
    ("hls.io_type", "io_serial", "hls.io_type must be one of io_parallel, io_stream"),
    ("hls.reuse_factor", 0, "hls.reuse_factor must be an integer in 1..4096"),
    ("input.format", "ap_fixed<10,2>", "input.format must be an unsigned ap_ufixed type"),
    ("input.format", "float", "input.format is invalid"),
    ("input.image", "hcal", "input.image must name one of the data set's images (reference, l1)"),
    ("input.lsb_gev", [0.5, 0.5], "input.lsb_gev must be a positive number or a list of 1"),
    ("dataset.energy_gev", [10, 100], "dataset.energy_gev belongs to the calo generator, not jets"),
    ("classes", ["qcd", "higgs"], "classes 'higgs' is not made by the jets generator"),
    ("quantization.weight", "ap_fixed<30,4>", "at most 24 bits"),
    ("pruning.target_sparsity", 1.5, "pruning.target_sparsity must be a number >= 0.0 and <= 0.95"),
    ("hls.clock", 5, "hls.clock is not a known field"),
    ("training", ..., "training is missing"),
])
def test_bad_values_name_the_field(good, path, value, expect):
    cfg = copy.deepcopy(good)
    _set(cfg, path, value)
    with pytest.raises(UserError, match=re.escape(expect)):
        config.validate(cfg, "x.yaml")


def test_bad_architecture(good):
    cfg = copy.deepcopy(good)
    cfg["architecture"][-1] = {"dense": {"units": 3}}
    with pytest.raises(UserError, match="logits layer"):
        config.validate(cfg, "x.yaml")
    cfg = copy.deepcopy(good)
    cfg["architecture"][0] = {"lstm": {"units": 3}}
    with pytest.raises(UserError, match="unknown layer kind 'lstm'"):
        config.validate(cfg, "x.yaml")


def test_cli_bad_input_is_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n  dataset: [\n")
    for args, needle in [(["data", "--model", "no_such_model"], "unknown model 'no_such_model'"),
                         (["data", "--model", str(bad)], "malformed YAML"),
                         (["train", "--bogus"], "unrecognized arguments"),
                         (["frobnicate"], "invalid choice")]:
        r = run_cli(*args, home=tmp_path)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], r.stderr
        assert "Traceback" not in r.stderr


def test_stage_before_its_input_exists(tmp_path):
    r = run_cli("train", "--model", TEST_CONFIGS / "tiny_jet.yaml", home=tmp_path)
    assert r.returncode == 2
    assert "does not exist yet; run `make data MODEL=tiny_jet` first" in r.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "artifacts").exists()
