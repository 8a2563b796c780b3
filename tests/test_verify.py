"""`l1cnn verify` on saved models: exit 0 bit-exact, 1 not, 2 bad input; unsupported layers fail fast."""

import json

import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv2D, QDense, quantized_bits

from tests.conftest import run_cli
from tests.test_bit_exact import inputs, random_model


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
                "io_type", "strategy", "reuse_factor"):
        assert key in res
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
    (lambda i: tf.keras.layers.Activation("softmax", name="sm")(
        QDense(2, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1))(
            tf.keras.layers.Flatten()(_q(i)))), "layer 'sm' is a softmax"),
    (lambda i: _conv(_q(i), kernel_quantizer=quantized_bits(6, 0, alpha="auto")), "alpha='auto'"),
    (lambda i: _conv(i), "first layer after the input must be QActivation"),
    (lambda i: (lambda q: tf.keras.layers.Add(name="skip")([_conv(q, padding="same"), q]))(_q(i)), "sequential"),
    (lambda i: tf.keras.layers.BatchNormalization(name="bn")(_conv(_q(i))), "layer 'bn' (BatchNormalization)"),
    (lambda i: tf.keras.layers.LSTM(3, name="rnn")(tf.keras.layers.Reshape((6, 6))(_q(i))), "not supported"),
])
def test_unsupported_fails_fast_with_a_named_reason(tmp_path, build, needle):
    r = _save(tmp_path, build)
    assert r.returncode == 2
    line = r.stderr.strip().splitlines()[-1]
    assert needle in line and "Traceback" not in r.stderr, r.stderr[-1500:]


def test_verify_reports_a_mismatch_with_its_first_layer(saved, monkeypatch, capsys):
    """Break one rule on purpose (conv c1's accumulator loses 4 integer bits): exit 1, layer named."""
    import argparse

    from l1cnn import verify
    from tests.test_bit_exact import break_rule

    break_rule(monkeypatch, "c1", 4)
    args = argparse.Namespace(model_file=saved / "model.h5", inputs=saved / "x.npy", io_type="io_parallel",
                              strategy="Latency", reuse_factor=1, output_dir=None, json=True)
    assert verify.main(args) == 1
    res = json.loads(capsys.readouterr().out)
    assert res["bit_exact_fraction"] < 1.0 and res["first_mismatch_layer"] == "c1"
    assert res["diagnosis"]["looks_like"] == "overflow/saturation" and res["diagnosis"]["n_values_differing"] > 0
