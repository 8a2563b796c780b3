"""The precision rules of hls/precision.py make hls4ml's C simulation equal QKeras bit for bit,
and when a type is too narrow the diagnosis names the layer that diverges first."""

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu

from hls import precision
from hls.convert import layer_types, to_hls
from hls.csim import agreement
from hls.diagnose import first_divergence
from quantize.formats import FixedFormat

IN_FMT = FixedFormat.parse("ap_ufixed<8,2>")
HLS = dict(backend="Vitis", part="xcvu13p-flga2577-2-e", clock_period_ns=5.0, strategy="Latency", reuse_factor=1)


def random_model(seed):
    tf.keras.utils.set_random_seed(seed)
    x = inp = tf.keras.layers.Input((10, 10, 1), name="img")
    x = QActivation(quantized_bits(8, 2, keep_negative=False, alpha=1), name="in_q")(x)
    x = QConv2D(3, 3, padding="same", kernel_quantizer=quantized_bits(5, 0, alpha=1),
                bias_quantizer=quantized_bits(8, 3, alpha=1), name="c1")(x)
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = tf.keras.layers.AveragePooling2D(2, name="ap")(x)
    x = QConv2D(4, 2, strides=2, kernel_quantizer=quantized_bits(7, 1, alpha=1),
                bias_quantizer=quantized_bits(8, 3, alpha=1), name="c2")(x)
    x = QActivation(quantized_relu(8, 3), name="r2")(x)
    x = tf.keras.layers.MaxPooling2D(2, name="mp")(x)
    x = tf.keras.layers.Flatten(name="fl")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(8, 3, alpha=1),
               name="d1")(x)
    model = tf.keras.Model(inp, x)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.get_weights():
            layer.set_weights([rng.normal(0, 0.7, w.shape).astype(np.float32) for w in layer.get_weights()])
    return model


def inputs(n, seed):
    """Half on the input grid, half raw floats (rounded by the first quantizer), a tenth saturating."""
    rng = np.random.default_rng(seed)
    x = rng.exponential(0.8, (n, 10, 10, 1)) * (rng.random((n, 10, 10, 1)) < 0.5)
    x[: n // 10] = 100.0
    x[n // 2:] = IN_FMT.quantize(x[n // 2:])
    return x.astype(np.float32)


def test_exact_format_holds_range():
    f = precision.exact_format(-3.2, 17.5, 4)
    assert f.signed and f.min <= -3.2 and f.max >= 17.5 and f.fractional == 4
    g = precision.exact_format(0.0, 0.75, 2)
    assert not g.signed and g.max == 0.75


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_random_qkeras_cnn_is_bit_exact(tmp_path, io_type):
    model, x = random_model(11), inputs(400, 5)
    hls_model = to_hls(model, dict(HLS, io_type=io_type), tmp_path / "prj", exact=True)
    hls_model.compile()
    res = agreement(model.predict(x, verbose=0), hls_model.predict(x))
    assert res["bit_exact_fraction"] == 1.0, res


def break_rule(monkeypatch, layer, lost_bits):
    """Make precision.derive deliberately wrong: `layer`'s accumulator loses integer bits."""
    real = precision.derive

    def narrowed(m):
        types = real(m)
        acc = FixedFormat.parse(types[layer]["accum"])
        bad = FixedFormat(acc.width - lost_bits, acc.integer - lost_bits, True).hls_type()
        types[layer].update(accum=bad, result=bad)
        types[f"{layer}_linear"]["result"] = bad
        return types

    monkeypatch.setattr(precision, "derive", narrowed)


def test_too_narrow_accumulator_is_diagnosed(tmp_path, monkeypatch):
    model, x = random_model(11), inputs(200, 6)
    break_rule(monkeypatch, "c2", 3)
    kwargs = dict(hls=dict(HLS, io_type="io_parallel"), exact=True)
    hls_model = to_hls(model, output_dir=tmp_path / "prj", **kwargs)
    hls_model.compile()
    res = agreement(model.predict(x, verbose=0), hls_model.predict(x))
    assert res["bit_exact_fraction"] < 1.0
    diag = first_divergence(model, {"layer_types": layer_types(hls_model)}, x, kwargs)
    assert diag["layer"] == "c2" and diag["looks_like"] == "overflow/saturation", diag


def test_unsupported_quantizer_is_named():
    tf.keras.utils.set_random_seed(0)
    inp = tf.keras.layers.Input((4, 4, 1))
    x = QActivation(quantized_bits(8, 2, keep_negative=False, alpha=1), name="q")(inp)
    x = QConv2D(2, 2, kernel_quantizer=quantized_bits(4, 0, alpha="auto"), bias_quantizer=quantized_bits(4, 0),
                name="conv_auto")(x)
    with pytest.raises(precision.UnsupportedLayer, match="conv_auto.*alpha='auto'.*alpha=1"):
        precision.derive(tf.keras.Model(inp, x))


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
    hls_model = to_hls(model, dict(HLS, io_type=io_type), tmp_path / "prj", exact=True)
    hls_model.compile()
    x = rng.exponential(0.8, (300, 8, 8, 2)).astype(np.float32)
    res = agreement(model.predict(x, verbose=0), hls_model.predict(x))
    assert res["bit_exact_fraction"] == 1.0, res


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
    hls_model = to_hls(model, dict(HLS, io_type=io_type), tmp_path / "prj", exact=True)
    hls_model.compile()
    x = rng.exponential(0.8, (300, 8, 8, 1)).astype(np.float32)
    res = agreement(model.predict(x, verbose=0), hls_model.predict(x))
    assert res["bit_exact_fraction"] == 1.0, res
