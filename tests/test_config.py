"""Config validation: every malformed or out-of-range value gets a one-line error naming the field."""

import copy
import re

import pytest
import yaml

from common.errors import L1CNNError
from l1cnn import config
from tests.helpers import TEST_CONFIGS, run_cli

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def good():
    return yaml.safe_load((TEST_CONFIGS / "tiny_jet.yaml").read_text())


def test_shipped_configs_validate():
    names = config.shipped_models()
    assert "jet_cnn" in names
    for n in names:
        assert config.load(n).name == n


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
    # named defects: these ended in a TypeError, or were accepted
    ("input.image", {"l1": 1}, "input.image must name one of the data set's images"),
    ("input.image", ["l1"], "input.image must name one of the data set's images"),
    ("input.lsb_gev", True, "input.lsb_gev must be a positive number"),
    ("training.learning_rate", True, "training.learning_rate must be a number"),
    ("hls.part", "xc7foo123", "hls.part is not a known FPGA part"),
    ("hls.io_type", ["io_parallel"], "hls.io_type must be one of"),
    ("hls.layer_reuse_factors", {"conv9": 2}, "hls.layer_reuse_factors.conv9 names no layer"),
    ("hls.layer_reuse_factors", {"conv1": 0}, "hls.layer_reuse_factors.conv1 must be an integer in 1..4096"),
])
def test_bad_values_name_the_field(good, path, value, expect):
    cfg = copy.deepcopy(good)
    _set(cfg, path, value)
    with pytest.raises(L1CNNError, match=re.escape(expect)):
        config.validate(cfg, "x.yaml")


def test_bad_architecture(good):
    cfg = copy.deepcopy(good)
    cfg["architecture"][-1] = {"dense": {"units": 3}}
    with pytest.raises(L1CNNError, match="logits layer"):
        config.validate(cfg, "x.yaml")
    cfg = copy.deepcopy(good)
    cfg["architecture"][0] = {"lstm": {"units": 3}}
    with pytest.raises(L1CNNError, match="unknown layer kind 'lstm'"):
        config.validate(cfg, "x.yaml")


RELU = {"relu": {"format": "ap_ufixed<6,2>"}}
BLOCK = [{"conv": {"filters": 2, "kernel": 3, "padding": "same"}}, RELU]


@pytest.mark.parametrize("block,expect", [
    ({"residual": [RELU]}, "architecture[2].residual must be a mapping like 'residual: {layers: [...]"),
    ({"residual": {"shortcut": BLOCK}}, "architecture[2].residual.layers is missing"),
    ({"residual": {"layers": []}}, "architecture[2].residual.layers must be a non-empty list of layers"),
    ({"residual": {"layers": [{"lstm": {}}]}}, "architecture[2].residual.layers[0] has unknown layer kind 'lstm'"),
    ({"inception": {"branches": [BLOCK]}}, "architecture[2].inception.branches must list at least two branches"),
    ({"inception": {"branches": [BLOCK, [{"conv": {"filters": 0, "kernel": 1}}]]}},
     "architecture[2].inception.branches[1][0].conv.filters must be an integer in 1..256"),
])
def test_bad_blocks_name_the_nested_field(good, block, expect):
    cfg = copy.deepcopy(good)
    cfg["architecture"].insert(2, block)
    with pytest.raises(L1CNNError, match=re.escape(expect)):
        config.validate(cfg, "x.yaml")


def test_blocks_are_normalized_and_named_in_build_order(good):
    from models.builder import walk

    cfg = copy.deepcopy(good)
    cfg["architecture"][2:2] = [{"residual": {"layers": BLOCK}},
                                {"inception": {"branches": [[{"maxpool": {"size": 1}}], BLOCK]}}]
    cfg["hls"]["layer_reuse_factors"] = {"conv3": 2}  # a conv inside a block takes its own factor
    arch = config.validate(cfg, "x.yaml").architecture
    kind, res = arch[2]
    assert kind == "residual" and res["shortcut"] == () and res["layers"][0][1]["weight"] == "ap_fixed<6,1>"
    names = [n for _, _, n in walk(arch)]
    assert names[:10] == ["conv1", "relu1", "residual1", "conv2", "relu2", "inception1", "maxpool1", "conv3",
                          "relu3", "avgpool1"]


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


def test_validation_returns_one_typed_fully_defaulted_config(good):
    """Every default comes from one place: hls.settings.DEFAULTS (also the CLI's), the layer kinds'
    own fields (models.builder.LAYER_KINDS), the quantization section for per-layer formats."""
    from hls.settings import DEFAULTS, HlsSettings

    raw = copy.deepcopy(good)
    del raw["hls"]
    cfg = config.validate(raw, "x.yaml")
    assert isinstance(cfg.hls, HlsSettings) and cfg.hls == DEFAULTS
    kind, conv = cfg.architecture[3]  # conv: {filters: 3, kernel: 2}
    assert kind == "conv" and conv["strides"] == 1 and conv["padding"] == "valid"
    assert conv["weight"] == cfg.quantization.weight and conv["bias"] == cfg.quantization.bias
    assert cfg.training.epochs == good["training"]["epochs"] and cfg.dataset.params["grids"]["l1"]["pixels"] == 18
    assert cfg.architecture[7][1]["weight"] == "ap_fixed<4,1>"  # a layer's own format wins
    raw["hls"] = {"layer_reuse_factors": {"dense1": 4}}
    assert config.validate(raw, "x.yaml").hls.reuse_factor_of("dense1") == 4


def test_cache_keys_do_not_depend_on_how_a_number_is_spelled(good):
    from l1cnn.dataset import data_key

    a, b = copy.deepcopy(good), copy.deepcopy(good)
    b["dataset"]["grids"]["l1"]["pixels"] = 18
    b["training"]["learning_rate"] = float(good["training"]["learning_rate"])
    assert data_key(config.validate(a, "a")) == data_key(config.validate(b, "b"))


def test_unknown_part_at_synth_and_report_time_is_one_line(tmp_path):
    """Named defect: an unknown hls.part reached synth/report and ended in a traceback."""
    from tests.helpers import one_line_error

    raw = yaml.safe_load((TEST_CONFIGS / "tiny_jet.yaml").read_text())
    raw["hls"]["part"] = "xc7nope"
    bad = tmp_path / "bad_part.yaml"
    bad.write_text(yaml.safe_dump(raw))
    for stage in ("synth", "report"):
        one_line_error(run_cli(stage, "--model", bad, home=tmp_path), "hls.part is not a known FPGA part")
