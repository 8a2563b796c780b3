"""The precision rules of hls/precision.py make hls4ml's C simulation equal QKeras bit for bit,
and when a type is too narrow the diagnosis names the layer that diverges first."""

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu

from hls import precision
from hls.check import check_model
from hls.convert import layer_types, to_hls
from hls.csim import agreement
from hls.diagnose import first_divergence
from hls.prepare import prepare
from hls.settings import DEFAULTS
from quantize.formats import FixedFormat, exact_format
from tests.helpers import break_rule, inputs, random_model

pytestmark = pytest.mark.integration


def test_exact_format_holds_range():
    f = exact_format(-3.2, 17.5, 4)
    assert f.signed and f.min <= -3.2 and f.max >= 17.5 and f.fractional == 4
    g = exact_format(0.0, 0.75, 2)
    assert not g.signed and g.max == 0.75


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_random_qkeras_cnn_is_bit_exact(tmp_path, io_type):
    model, x = random_model(11), inputs(400, 5)
    res = check_model(model, x, DEFAULTS.with_(io_type=io_type), output_dir=tmp_path / "prj")
    assert res["bit_exact_fraction"] == 1.0 and res["first_mismatch_layer"] is None, res
    assert res["emulator"]["status"] == "identical" and res["emulator"]["n_identical"] == len(x), res["emulator"]


def test_too_narrow_accumulator_is_diagnosed(tmp_path, monkeypatch):
    model, x = random_model(11), inputs(200, 6)
    break_rule(monkeypatch, "c2", 3)
    prepared, hls = prepare(model), DEFAULTS
    hls_model = to_hls(prepared, hls, tmp_path / "prj")
    hls_model.compile()
    res = agreement(model.predict(x, verbose=0), hls_model.predict(x))
    assert res["bit_exact_fraction"] < 1.0
    diag = first_divergence(hls_model, prepared.model, x, layer_types(hls_model))
    assert diag["layer"] == "c2" and diag["looks_like"] == "overflow/saturation", diag
    shared = check_model(model, x, hls)  # the shared check names the same layer
    assert shared["first_mismatch_layer"] == "c2" and shared["bit_exact_fraction"] < 1.0
    # the emulator reproduces the firmware, wrong accumulator and all: its wrap-around included
    assert shared["emulator"]["status"] == "identical", shared["emulator"]
    # the csim stage's path: the project written to disk (hls4ml traces it only when re-created)
    from hls.check import check_project
    from hls.convert import write_project

    write_project(prepared, hls, tmp_path / "written", stamp="0badcafe")
    res, _, _ = check_project(model, tmp_path / "written", x, hls, exact=True)
    assert res["first_mismatch_layer"] == "c2" and res["diagnosis"]["looks_like"] == "overflow/saturation", res


def test_unsupported_quantizer_is_named():
    tf.keras.utils.set_random_seed(0)
    inp = tf.keras.layers.Input((4, 4, 1))
    x = QActivation(quantized_bits(8, 2, keep_negative=False, alpha=1), name="q")(inp)
    x = QActivation("quantized_tanh(4)", name="act_tanh")(x)
    with pytest.raises(precision.UnsupportedLayer, match="act_tanh.*quantized_tanh is not supported"):
        prepare(tf.keras.Model(inp, x))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_folded_batchnorm_is_bit_exact(tmp_path, io_type):
    """QConv2DBatchnorm (batch norm folded into quantized weights) after some training: exact."""
    from qkeras import QConv2DBatchnorm

    tf.keras.utils.set_random_seed(5)
    inp = tf.keras.layers.Input((8, 8, 2), name="img")
    x = QActivation(quantized_bits(8, 2, keep_negative=False, alpha=1), name="in_q")(inp)
    x = QConv2DBatchnorm(4, 3, kernel_quantizer=quantized_bits(6, 0, alpha=1),
                         bias_quantizer=quantized_bits(10, 3, alpha=1), name="cbn")(x)
    x = QActivation(quantized_relu(8, 3), name="r")(x)
    x = tf.keras.layers.Flatten(name="f")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(8, 3, alpha=1),
               name="d")(x)
    model = tf.keras.Model(inp, x)
    rng = np.random.default_rng(2)
    xt = rng.exponential(0.8, (256, 8, 8, 2)).astype(np.float32)
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(xt, rng.integers(0, 3, 256), epochs=3, verbose=0)  # moving mean/variance away from 0/1
    bn = model.get_layer("cbn").batchnorm
    assert np.abs(bn.moving_mean.numpy()).max() > 0.01
    x = rng.exponential(0.8, (300, 8, 8, 2)).astype(np.float32)
    res = check_model(model, x, DEFAULTS.with_(io_type=io_type))
    assert res["bit_exact_fraction"] == 1.0, res
    assert res["emulator"]["status"] == "identical", res["emulator"]


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_power_of_two_scales_are_bit_exact(tmp_path, io_type):
    """quantized_bits(alpha='auto_po2') weights (per-channel power-of-two scales), trained: exact."""
    tf.keras.utils.set_random_seed(8)
    inp = tf.keras.layers.Input((8, 8, 1), name="img")
    x = QActivation(quantized_bits(8, 2, keep_negative=False, alpha=1), name="in_q")(inp)
    x = QConv2D(4, 3, kernel_quantizer=quantized_bits(4, 0, alpha="auto_po2"),
                bias_quantizer=quantized_bits(8, 3, alpha=1), name="c")(x)
    x = QActivation(quantized_relu(8, 3), name="r")(x)
    x = tf.keras.layers.Flatten(name="f")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(4, 0, alpha="auto_po2"),
               bias_quantizer=quantized_bits(8, 3, alpha=1), name="d")(x)
    model = tf.keras.Model(inp, x)
    rng = np.random.default_rng(4)
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(rng.exponential(0.8, (256, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, 256), epochs=3, verbose=0)
    q = model.get_layer("c").kernel_quantizer_internal
    q(model.get_layer("c").kernel)  # an eager call sets q.scale (after fit it is a graph tensor)
    scales = np.unique(np.abs(np.asarray(q.scale)))
    assert len(scales) > 1 or scales[0] != 1  # the scales really are in play
    x = rng.exponential(0.8, (300, 8, 8, 1)).astype(np.float32)
    res = check_model(model, x, DEFAULTS.with_(io_type=io_type))
    assert res["bit_exact_fraction"] == 1.0, res
    assert res["emulator"]["status"] == "identical", res["emulator"]


def test_transforms_run_once_per_conversion(monkeypatch, tmp_path):
    """prepare() composes the transformations and the type derivation once; to_hls reuses them."""
    from hls import prepare as prepare_module

    calls = []
    real = prepare_module.exact_equivalent
    monkeypatch.setattr(prepare_module, "exact_equivalent", lambda m: calls.append(1) or real(m))
    model, x = random_model(3), inputs(20, 1)
    res = check_model(model, x, DEFAULTS)
    assert res["bit_exact_fraction"] == 1.0 and len(calls) == 1


def test_requested_reuse_factor_reaches_every_layer(tmp_path):
    """Named defect: granularity='name' wrote ReuseFactor 1 per layer, overriding hls.reuse_factor."""
    from hls.convert import write_project

    hls = DEFAULTS.with_(io_type="io_stream", strategy="Resource", reuse_factor=3, layer_reuse_factors={"d1": 4})
    settings = write_project(prepare(random_model(2)), hls, tmp_path / "prj", stamp="0badcafe")
    # c1: 3x3x1 -> 3 filters (n_in 9, n_out 3): 3 divides; c2: 2x2x3 -> 4 (12 x 4); d1: 16 -> 3 (48): 4 divides
    assert settings["layer_reuse_factors"] == {"c1": 3, "c2": 3, "d1": 4}
    params = (tmp_path / "prj" / "firmware" / "parameters.h").read_text()
    import re

    # every layer config in the firmware carries the requested factors, none the silent default 1
    assert set(re.findall(r"reuse_factor = (\d+);", params)) == {"3", "4"}

    rf = {m.group(1): int(m.group(2)) for m in re.finditer(
        r"struct config\d+_?\w* : nnet::\w+_config \{.*?// (\w+)?.*?reuse_factor = (\d+)", params, re.S)}
    assert "static const unsigned reuse_factor = 3;" in params and "static const unsigned reuse_factor = 4;" in params
    assert "static const unsigned reuse_factor = 1;" not in params.split("d1")[0].split("c1")[-1], rf


@pytest.mark.parametrize("n_in,n_out,rf,ok", [
    (9, 3, 3, True), (3, 4, 4, False),   # above n_in, not a multiple: no kernel (does not compile)
    (3, 4, 2, False),                    # ceil(12/2) = 6 is no multiple of 4: assertion in csim
    (1, 1, 4, False),                    # rem0 clips RF to n_in*n_out = 1, not above n_in: assertion
    (2, 4, 4, True), (12, 4, 2, True), (12, 4, 12, True),
    (5, 1, 4, False),                    # 4 does not divide 5: the kernel reads past the weights (wrong outputs)
])
def test_resource_conv_reuse_factors_hls4ml_can_build(n_in, n_out, rf, ok):
    """The rule mirrors nnet_dense_resource.h (seen failing: sweep seeds 1 and 35 before the rule)."""
    from hls.convert import _resource_rf_builds

    assert _resource_rf_builds(n_in, n_out, rf) is ok


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_emulator_reproduces_merges(io_type):
    """A residual Add and a channel Concatenate (io_stream: clone streams too): the emulator equals the C
    simulation, which equals QKeras."""
    tf.keras.utils.set_random_seed(3)
    inp = tf.keras.layers.Input((8, 8, 2), name="img")
    x = QActivation(quantized_bits(8, 2, keep_negative=False, alpha=1), name="in_q")(inp)
    conv = dict(kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(8, 3, alpha=1))
    a = QActivation(quantized_relu(8, 3), name="ra")(QConv2D(4, 3, padding="same", name="ca", **conv)(x))
    b = QActivation(quantized_relu(8, 3), name="rb")(QConv2D(4, 1, name="cb", **conv)(x))
    c = tf.keras.layers.Concatenate(name="cat")([tf.keras.layers.Add(name="add")([a, b]), b])
    y = QDense(3, name="d", **conv)(tf.keras.layers.Flatten(name="f")(c))
    x = np.random.default_rng(1).exponential(0.8, (200, 8, 8, 2)).astype(np.float32)
    res = check_model(tf.keras.Model(inp, y), x, DEFAULTS.with_(io_type=io_type))
    assert res["bit_exact_fraction"] == 1.0, res
    assert res["emulator"]["status"] == "identical" and res["emulator"]["n_identical"] == 200, res["emulator"]
