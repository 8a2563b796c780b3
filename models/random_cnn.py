"""Random sequential QKeras CNNs for property tests of the bit-exact flow.

Each draw varies what can break bit exactness: depth, filters, kernel sizes,
strides, padding, max/average pooling, weight and activation widths from 2 to
16 bits, integer bits, signed (quantized_bits) and unsigned (quantized_relu)
activations, power-of-two weight scales (alpha='auto_po2'), batch norm folded
into the weights (QConv2DBatchnorm), random or briefly trained weights. Draws the caller's
`accept` refuses are redrawn: the sweep passes l1cnn's exact conversion rules, which refuse
exact accumulators wider than QKeras' float32 arithmetic holds (see hls/precision.py).
"""

from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from qkeras import QActivation, QConv2D, QConv2DBatchnorm, QDense, quantized_bits, quantized_relu

from models.builder import PADDINGS
from quantize.formats import FixedFormat


@dataclass
class Draw:
    model: tf.keras.Model
    description: list
    inputs: np.ndarray


def _q_activation(rng, name):
    bits = int(rng.integers(2, 17))
    integer = int(rng.integers(0, min(4, bits - 1) + 1))
    if rng.random() < 0.7:
        return QActivation(quantized_relu(bits, integer), name=name), f"relu<{bits},{integer}>"
    integer = min(integer, bits - 2)
    return QActivation(quantized_bits(bits, integer, alpha=1), name=name), f"bits<{bits},{integer}>"


def _weights(rng):
    bits = int(rng.integers(2, 9))
    integer = int(rng.integers(0, 2)) if bits > 2 else 0
    alpha = "auto_po2" if bits > 2 and rng.random() < 0.25 else 1
    return (quantized_bits(bits, integer, alpha=alpha),
            quantized_bits(int(rng.integers(4, 11)), int(rng.integers(1, 4)), alpha=1),
            f"w<{bits},{integer}>{' po2' if alpha != 1 else ''}")


def _build(rng):
    size, channels = int(rng.integers(6, 15)), int(rng.integers(1, 4))
    in_bits = int(rng.integers(4, 13))
    in_signed = bool(rng.random() < 0.3)
    in_int = int(rng.integers(0, 4))
    inp = tf.keras.layers.Input((size, size, channels), name="img")
    in_int = min(in_int, in_bits - 1 - in_signed)
    x = QActivation(quantized_bits(in_bits, in_int, keep_negative=in_signed, alpha=1), name="in_q")(inp)
    desc = [f"input {size}x{size}x{channels} {'signed' if in_signed else 'unsigned'} {in_bits} bits"]
    for i in range(int(rng.integers(1, 4))):
        k = int(rng.integers(1, 4))
        stride = int(rng.integers(1, 3))
        padding = str(rng.choice(list(PADDINGS)))
        spatial = x.shape[1]
        if padding == "valid" and spatial < k:
            padding = "same"
        wq, bq, wtxt = _weights(rng)
        filters = int(rng.integers(1, 7))
        bn = rng.random() < 0.25
        conv = QConv2DBatchnorm if bn else QConv2D
        x = conv(filters, k, strides=stride, padding=padding, kernel_quantizer=wq, bias_quantizer=bq,
                 name=f"conv{i}")(x)
        act, atxt = _q_activation(rng, f"act{i}")
        x = act(x)
        desc.append(f"conv{filters}{'+bn' if bn else ''} k{k} s{stride} {padding} {wtxt} -> {atxt}")
        if x.shape[1] >= 2 and rng.random() < 0.5:
            pool = tf.keras.layers.MaxPooling2D if rng.random() < 0.5 else tf.keras.layers.AveragePooling2D
            x = pool(2, name=f"pool{i}")(x)
            desc.append(pool.__name__)
    x = tf.keras.layers.Flatten(name="flat")(x)
    if rng.random() < 0.6:
        wq, bq, wtxt = _weights(rng)
        units = int(rng.integers(2, 12))
        x = QDense(units, kernel_quantizer=wq, bias_quantizer=bq, name="dense_h")(x)
        act, atxt = _q_activation(rng, "act_h")
        x = act(x)
        desc.append(f"dense{units} {wtxt} -> {atxt}")
    wq, bq, wtxt = _weights(rng)
    n_out = int(rng.integers(1, 6))
    x = QDense(n_out, kernel_quantizer=wq, bias_quantizer=bq, name="logits")(x)
    desc.append(f"dense{n_out} {wtxt} (logits)")
    in_fmt = FixedFormat(in_bits, in_int + int(in_signed), in_signed)  # quantized_bits' integer excludes the sign
    return tf.keras.Model(inp, x), desc, (size, size, channels), in_fmt


def _inputs(rng, shape, n, fmt):
    """Typical values, exact grid points and values far beyond the range (saturation)."""
    lo, hi = fmt.min, fmt.max
    x = rng.uniform(lo - (hi - lo), hi + (hi - lo), (n, *shape))
    x[: n // 4] = fmt.quantize(x[: n // 4])
    x[n // 4: n // 4 + n // 8] = rng.choice([lo, hi, 0.0], (n // 8, *shape))
    return x.astype(np.float32)


def _random_value(rng, variable):
    """Random weights; batch-norm statistics in a trained-like range (variance > 0)."""
    name, shape = variable.name, tuple(variable.shape)
    if "moving_variance" in name:
        return rng.uniform(0.2, 2.0, shape).astype(np.float32)
    if "gamma" in name:
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    if "iteration" in name:
        return np.asarray(1000, dtype=variable.dtype.as_numpy_dtype)
    return rng.normal(0, 0.6 if "moving_mean" not in name else 0.3, shape).astype(np.float32)


def draw(seed: int, n_inputs: int = 200, train: bool | None = None, max_tries: int = 50,
         accept=lambda model: True) -> Draw:
    """The random CNN of `seed` with inputs; redrawn (deterministically) until `accept(model)`."""
    rng = np.random.default_rng(seed)
    for _ in range(max_tries):
        tf.keras.utils.set_random_seed(int(rng.integers(2 ** 31)))
        model, desc, shape, fmt = _build(rng)
        if not accept(model):
            continue  # e.g. an exact accumulator wider than float32 holds: redraw
        x = _inputs(rng, shape, n_inputs, fmt)
        trained = bool(rng.random() < 0.5) if train is None else train
        if trained:
            y = rng.integers(0, model.output_shape[-1], len(x))
            model.compile(tf.keras.optimizers.Adam(0.01),
                          tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            model.fit(x, y, epochs=2, batch_size=32, verbose=0)
        else:
            for layer in model.layers:
                if layer.weights:
                    layer.set_weights([_random_value(rng, v) for v in layer.weights])
        if not accept(model):  # trained weights change the exact accumulator ranges
            continue
        return Draw(model, desc + [f"weights {'trained' if trained else 'random'}"], x)
    raise RuntimeError(f"no valid random CNN in {max_tries} draws from seed {seed}")
