"""`l1cnn verify` on saved models: exit 0 bit-exact, 1 not, 2 bad input; unsupported layers fail fast."""

import json

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv2D, QDense, quantized_bits

from tests.helpers import break_rule, inputs, one_line_error, random_model, run_cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    d = tmp_path_factory.mktemp("verify")
    random_model(23).save(d / "model.h5")
    np.save(d / "x.npy", inputs(300, 2))
    return d


@pytest.mark.parametrize("flags", [["--io-type", "io_stream"],
                                   ["--strategy", "Resource", "--reuse-factor", "2"]])
def test_verify_bit_exact(saved, flags):
    r = run_cli("verify", saved / "model.h5", "--inputs", saved / "x.npy", "--json", *flags)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout)
    for key in ("n_samples", "bit_exact_fraction", "argmax_agreement", "max_abs_diff", "first_mismatch_layer",
                "io_type", "strategy", "reuse_factor", "reuse_factors_used", "layer_reuse_factors"):
        assert key in res
    if "--reuse-factor" in flags:  # the requested reuse factor reaches the layers (c1: n_in*n_out 27)
        assert res["layer_reuse_factors"]["c2"] == 2 and res["reuse_factors_used"] != [1], res
    assert res["n_samples"] == 300 and res["bit_exact_fraction"] == 1.0 and res["first_mismatch_layer"] is None


def _save(tmp_path, build):
    tf.keras.utils.set_random_seed(0)
    inp = tf.keras.layers.Input((6, 6, 1), name="img")
    model = tf.keras.Model(inp, build(inp))
    model.save(tmp_path / "m.h5")
    np.save(tmp_path / "x.npy", np.zeros((4, 6, 6, 1), np.float32))
    return run_cli("verify", tmp_path / "m.h5", "--inputs", tmp_path / "x.npy")


def _q(x):
    return QActivation(quantized_bits(8, 2, keep_negative=False, alpha=1), name="in_q")(x)


def _conv(x, name="c", **kw):
    kw.setdefault("kernel_quantizer", quantized_bits(6, 0, alpha=1))
    return QConv2D(2, 3, bias_quantizer=quantized_bits(8, 3, alpha=1), name=name, **kw)(x)


@pytest.mark.parametrize("build,needle", [
    (lambda i: _conv(tf.keras.layers.Activation("softmax", name="sm")(_q(i))), "layer 'sm' is a softmax inside"),
    (lambda i: tf.keras.layers.Activation("tanh", name="th")(_conv(_q(i))), "layer 'th' is a float activation 'tanh'"),
    (lambda i: _conv(i), "has no input quantizer"),
    (lambda i: (lambda c: c(c(_q(i))))(QConv2D(1, 3, padding="same", kernel_quantizer=quantized_bits(6, 0, alpha=1),
                                              bias_quantizer=quantized_bits(8, 3, alpha=1), name="shared")),
     "layer 'shared' is applied 2 times"),
    (lambda i: (lambda q: tf.keras.layers.Multiply(name="mul")([_conv(q, name="c1"), _conv(q, name="c2")]))(_q(i)),
     "layer 'mul' (Multiply) reads 2 tensors"),
    (lambda i: tf.keras.layers.LSTM(3, name="rnn")(tf.keras.layers.Reshape((6, 6))(_q(i))), "not supported"),
])
def test_unsupported_fails_fast_with_a_named_reason(tmp_path, build, needle):
    one_line_error(_save(tmp_path, build), needle)


def test_verify_reports_a_mismatch_with_its_first_layer(saved, monkeypatch, capsys):
    """Break one rule on purpose (conv c1's accumulator loses 4 integer bits): exit 1, layer named."""
    import argparse

    from hls.settings import DEFAULTS
    from l1cnn.commands import verify

    break_rule(monkeypatch, "c1", 4)
    args = argparse.Namespace(model_file=saved / "model.h5", inputs=saved / "x.npy", output_dir=None, json=True,
                              keep_head=False, against_hls4ml_default=False)
    assert verify.main(args, DEFAULTS) == 1
    res = json.loads(capsys.readouterr().out)
    assert res["bit_exact_fraction"] < 1.0 and res["first_mismatch_layer"] == "c1"
    assert res["diagnosis"]["looks_like"] == "overflow/saturation" and res["diagnosis"]["n_values_differing"] > 0


def test_folded_batchnorm_first_in_a_sequential_model(tmp_path):
    """Named defect: a Sequential model without an InputLayer starting with QConv2DBatchnorm (or
    QDenseBatchnorm) lost its first layer in the fold and crashed `l1cnn estimate`."""
    from qkeras import QConv2DBatchnorm, quantized_relu

    from models.qkeras_objects import qkeras_objects

    QDenseBatchnorm = qkeras_objects()["QDenseBatchnorm"]
    tf.keras.utils.set_random_seed(1)
    model = tf.keras.Sequential([
        QConv2DBatchnorm(3, 3, kernel_quantizer=quantized_bits(6, 0, alpha=1),
                         bias_quantizer=quantized_bits(10, 3, alpha=1), input_shape=(6, 6, 1), name="cbn"),
        QActivation(quantized_relu(8, 3), name="r"),
        tf.keras.layers.Flatten(name="f"),
        QDenseBatchnorm(4, kernel_quantizer=quantized_bits(6, 0, alpha=1),
                        bias_quantizer=quantized_bits(10, 3, alpha=1), name="dbn"),
    ])
    rng = np.random.default_rng(0)
    for layer in model.layers:
        for v in layer.weights:
            if "moving_variance" in v.name:
                v.assign(rng.uniform(0.5, 2.0, v.shape))
            elif "moving_mean" in v.name or "beta" in v.name:
                v.assign(rng.normal(0, 0.3, v.shape))
    model.save(tmp_path / "seq.h5")
    r = run_cli("estimate", tmp_path / "seq.h5", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    names = [l["name"] for l in json.loads(r.stdout)["layers"]]
    assert "cbn" in names and "dbn" in names, names

    from hls.prepare import prepare_if_exact
    from models import io

    prepared = prepare_if_exact(io.load(tmp_path / "seq.h5"))
    kinds = [type(l).__name__ for l in prepared.model.layers]
    assert kinds == ["InputLayer", "QConv2D", "QActivation", "Flatten", "QDense"], kinds
    x = rng.normal(0, 1, (50, 6, 6, 1)).astype(np.float32)
    assert np.array_equal(model.predict(x, verbose=0), prepared.model.predict(x, verbose=0))


def test_sequential_model_without_input_layer_is_exact(tmp_path):
    """Keras lists no InputLayer in a Sequential model: the firmware input must still get the first
    quantizer's exact type (else hls4ml types it ap_fixed<16,6>, which wraps 100.0 and rounds twice)."""
    from qkeras import quantized_relu

    tf.keras.utils.set_random_seed(4)
    model = tf.keras.Sequential([
        QActivation(quantized_bits(8, 2, keep_negative=False, alpha=1), input_shape=(10, 10, 1), name="in_q"),
        QConv2D(3, 3, kernel_quantizer=quantized_bits(5, 0, alpha=1), bias_quantizer=quantized_bits(8, 3, alpha=1),
                name="c1"),
        QActivation(quantized_relu(6, 2), name="r1"),
        tf.keras.layers.Flatten(name="fl"),
        QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(8, 3, alpha=1),
               name="d1"),
    ])
    model.save(tmp_path / "seq.h5")
    np.save(tmp_path / "x.npy", inputs(200, 3))  # a tenth of them 100.0: saturate at the input
    r = run_cli("verify", tmp_path / "seq.h5", "--inputs", tmp_path / "x.npy", "--json")
    assert r.returncode == 0, (r.stdout[-1500:], r.stderr[-1500:])
    assert json.loads(r.stdout)["bit_exact_fraction"] == 1.0


@pytest.fixture(scope="module")
def no_quantizer(tmp_path_factory):
    """random_model without its input quantizer (the most common real-model shape), raw float inputs."""
    d = tmp_path_factory.mktemp("noq")
    m = random_model(5)
    inp = tf.keras.layers.Input((10, 10, 1), name="img")
    x = inp
    for layer in m.layers[2:]:
        x = layer(x)
    tf.keras.Model(inp, x).save(d / "m.h5")
    np.save(d / "x.npy", (np.random.default_rng(1).random((200, 10, 10, 1)) * 3).astype(np.float32))
    return d


def test_declared_input_format_makes_a_model_without_input_quantizer_exact(no_quantizer, saved):
    m, x = no_quantizer / "m.h5", no_quantizer / "x.npy"
    last = one_line_error(run_cli("verify", m, "--inputs", x), "no input quantizer", "span [", "--input-format")
    assert '"ap_ufixed<10,2>"' in last  # [0, 3) off any grid: 2 integer bits, 8 fractional
    r = run_cli("verify", m, "--inputs", x, "--input-format", "ap_ufixed<10,2>", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout)
    assert res["bit_exact_fraction"] == 1.0 and res["input_format"] == "ap_ufixed<10,2>"
    r = run_cli("estimate", m, "--input-format", "ap_ufixed<10,2>", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["exact_types"] is True, r.stderr[-1500:]
    assert json.loads(run_cli("estimate", m, "--json").stdout)["exact_types"] is False
    one_line_error(run_cli("verify", m, "--inputs", x, "--input-format", "ap_ufixed<10"), "--input-format")
    for cmd in (("verify", saved / "model.h5", "--inputs", saved / "x.npy"), ("estimate", saved / "model.h5")):
        one_line_error(run_cli(*cmd, "--input-format", "ap_ufixed<8,2>"), "already declares its input format")


def _head_model(tmp_path):
    """A small CNN ending in softmax, with a mean over 3x3 (not a power of two) before the logits."""
    def build(i):
        x = QConv2D(3, 3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(8, 3, alpha=1),
                    activation="relu", name="c")(_q(i))
        x = tf.keras.layers.Dropout(0.3)(QActivation("quantized_relu(6,2)", name="r")(x))
        x = QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(8, 3, alpha=1),
                   name="logits")(tf.keras.layers.GlobalAveragePooling2D(name="gap")(x))
        return tf.keras.layers.Activation("softmax", name="sm")(x)

    tf.keras.utils.set_random_seed(3)
    inp = tf.keras.layers.Input((5, 5, 1), name="img")
    tf.keras.Model(inp, build(inp)).save(tmp_path / "m.h5")
    np.save(tmp_path / "x.npy", np.random.default_rng(0).uniform(0, 4, (200, 5, 5, 1)).astype(np.float32))


def test_head_is_stripped_or_kept_and_float32_layers_are_explained(tmp_path):
    _head_model(tmp_path)
    r = run_cli("verify", tmp_path / "m.h5", "--inputs", tmp_path / "x.npy")
    assert r.returncode in (0, 1), r.stderr[-2000:]
    assert "compared at the logits: the 'sm' head" in r.stdout, r.stdout
    assert "layer 'gap': a mean over 9 values (not a power of two)" in r.stdout, r.stdout
    r = run_cli("verify", tmp_path / "m.h5", "--inputs", tmp_path / "x.npy", "--keep-head", "--json")
    assert r.returncode in (0, 1), r.stderr[-2000:]
    res = json.loads(r.stdout)
    assert res["head_removed"] is None and res["kept_head"]["layer"] == "sm", res
    assert res["kept_head"]["decision_agreement"] >= 0.95 and not res["guaranteed"]
    assert res["cause"] in (None, "keras-float32"), res["diagnosis"]
    gap = next(f for f in res["float32_layers"] if f["layer"] == "gap")
    assert gap["n_values"] == 200 * 3 and gap["n_samples_traced"] == 200
