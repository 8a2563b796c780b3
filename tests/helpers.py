"""Shared test helpers: the repository and fixture roots, running the CLI as a user would, and the
small models several test files use. Tests import from here, never from each other."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from l1cnn.paths import SHARED_FIXTURES

REPO = Path(__file__).resolve().parents[1]
TEST_CONFIGS = REPO / "tests" / "configs"
FIXTURE_ROOT = SHARED_FIXTURES  # read-only: real vendor reports and external models


def fixture(*parts) -> Path:
    """A path under the shared fixture root; a missing fixture is a failure, never a skip."""
    path = FIXTURE_ROOT.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"test fixture {path} is missing: the shared fixtures must sit beside the repo "
                                f"(../shared/fixtures)")
    return path


def run_cli(*args, home=None, timeout=1200, env=None):
    """Run `l1cnn` as a user would, in a fresh process; returns CompletedProcess."""
    env = {**os.environ, **(env or {})}
    if home is not None:
        env["L1CNN_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "l1cnn.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=timeout)


def one_line_error(result, *needles):
    """A bad-input run: exit 2, no traceback, the last stderr line names the problem (all `needles`)."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("l1cnn: error: "), last
    for n in needles:
        assert n in last, (n, last)
    return last


def random_model(seed):
    """A small sequential QKeras CNN with every supported layer kind and random weights."""
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu

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


IN_FMT = "ap_ufixed<8,2>"  # random_model's input format


def inputs(n, seed):
    """random_model inputs: half on the input grid, half raw floats (rounded by the first quantizer),
    a tenth saturating."""
    from quantize.formats import FixedFormat

    rng = np.random.default_rng(seed)
    x = rng.exponential(0.8, (n, 10, 10, 1)) * (rng.random((n, 10, 10, 1)) < 0.5)
    x[: n // 10] = 100.0
    x[n // 2:] = FixedFormat.parse(IN_FMT).quantize(x[n // 2:])
    return x.astype(np.float32)


def break_rule(monkeypatch, layer, lost_bits):
    """Make precision.derive deliberately wrong: `layer`'s accumulator loses integer bits."""
    from hls import precision
    from quantize.formats import FixedFormat

    real = precision.derive

    def narrowed(m):
        derived = real(m)
        types = derived.types
        acc = FixedFormat.parse(types[layer]["accum"])
        bad = FixedFormat(acc.width - lost_bits, acc.integer - lost_bits, True).hls_type()
        types[layer].update(accum=bad, result=bad)
        types[f"{layer}_linear"]["result"] = bad
        return derived

    monkeypatch.setattr(precision, "derive", narrowed)
