"""Random QKeras CNNs (Sequential-like chains and functional graphs) for property tests of the bit-exact flow.

Each draw varies what can break bit exactness: 2D images or 1D sequences (QConv1D), a declared
input format instead of an input quantizer, a flat input reshaped into an image, zero padding,
depthwise and separable convolutions, plain float Conv/Dense layers, activations fused into the conv,
float BatchNormalization, QBatchNormalization and float ReLU, Dropout, residual (Add) and inception
(Concatenate) blocks, global average/max pooling, softmax/sigmoid heads, depth, filters, kernel sizes,
strides, padding, max/average pooling, weight and activation widths from 2 to
16 bits, integer bits, signed (quantized_bits) and unsigned (quantized_relu)
activations, power-of-two and float weight scales (alpha='auto_po2', 'auto'), batch norm folded
into the weights (QConv2DBatchnorm, QDenseBatchnorm), random or briefly trained weights. Draws the caller's
`accept` refuses are redrawn: the sweep passes l1cnn's exact conversion rules, which refuse
exact accumulators wider than QKeras' float32 arithmetic holds (see hls/precision.py).
"""

from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from qkeras import (QActivation, QBatchNormalization, QConv1D, QConv2D, QConv2DBatchnorm, QDense, QDepthwiseConv2D,
                    QSeparableConv1D, QSeparableConv2D, quantized_bits, quantized_relu)

from models.builder import PADDINGS
from models.qkeras_objects import QDenseBatchnorm
from quantize.formats import FixedFormat


@dataclass
class Draw:
    model: tf.keras.Model
    description: list
    inputs: np.ndarray       # raw: a declared input format still rounds them (as verify does)
    input_format: FixedFormat | None = None  # declared for a model without an input quantizer


# Constructs a draw can focus on: draw(seed) always takes the one of seed % len(FOCUS) (its other
# choices stay random), so any len(FOCUS) consecutive seeds contain every construct. (No 1D branches:
# the sweep checks both io types, and io_stream refuses a 1D tensor read twice, hls/convert.py.)
FOCUS = (("1d",), ("declared",), ("flat",), ("zeropad",), ("zeropad", "1d"), ("form:depthwise",),
         ("form:separable",), ("form:separable", "1d"), ("form:float",), ("form:float", "1d"),
         ("form:float_depthwise",), ("form:float_separable",), ("bn_fold",), ("fused:relu",), ("fused:quantizer",),
         ("batchnorm", "bn:float"), ("batchnorm", "bn:quantized"), ("float_relu",), ("dropout",),
         ("pool", "pool:avg"), ("pool", "pool:max"), ("merge", "merge:residual"), ("merge", "merge:inception"),
         ("global", "global:avg"), ("global", "global:max"),
         ("global", "global:max", "1d"), ("global", "global:avg", "1d"), ("dense_h", "dense:QDenseBatchnorm"),
         ("dense_h", "dense:Dense"), ("alpha:auto",), ("alpha:auto_po2",), ("head", "head:softmax"),
         ("head", "head:sigmoid"))


class _Dice:
    """The generator's random choices; those named in `focus` are always taken (the random number is
    drawn all the same, so a focus changes nothing else of the draw)."""

    def __init__(self, rng, focus=()):
        self.rng, self.focus = rng, set(focus)

    def __getattr__(self, name):  # integers, random, choice, normal, uniform: the generator's own
        return getattr(self.rng, name)

    def chance(self, p, name) -> bool:
        return bool(self.rng.random() < p) or name in self.focus

    def pick(self, group, options, p) -> str:
        drawn = str(self.rng.choice(options, p=p))
        return next((o for o in options if f"{group}:{o}" in self.focus), drawn)


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
    alpha = rng.pick("alpha", ["1", "auto_po2", "auto"], [0.7, 0.22, 0.08]) if bits > 2 else "1"
    alpha = 1 if alpha == "1" else alpha
    return (quantized_bits(bits, integer, alpha=alpha),
            quantized_bits(int(rng.integers(4, 11)), int(rng.integers(1, 4)), alpha=1),
            f"w<{bits},{integer}>{'' if alpha == 1 else ' ' + alpha}")


def _batchnorm(rng, name):
    """A float BatchNormalization or a QBatchNormalization with quantized parameters."""
    if rng.pick("bn", ["float", "quantized"], [0.5, 0.5]) == "float":
        return tf.keras.layers.BatchNormalization(name=name), "float BN"
    bits = int(rng.integers(6, 11))
    q = quantized_bits(bits, 2, alpha=1)
    return (QBatchNormalization(gamma_quantizer=q, beta_quantizer=q, mean_quantizer=q, name=name),
            f"QBatchNormalization<{bits},2>")


def _conv_block(rng, x, i, one_d, desc):
    """[ZeroPadding] conv [fused activation] [float BN] [float ReLU] QActivation [Dropout] [pool]."""
    layers = tf.keras.layers
    if rng.chance(0.15, "zeropad"):
        pad = int(rng.integers(1, 3))
        x = (layers.ZeroPadding1D(pad, name=f"pad{i}") if one_d else layers.ZeroPadding2D(pad, name=f"pad{i}"))(x)
        desc.append(f"zeropad{pad}")
    k, stride = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    padding = str(rng.choice(list(PADDINGS)))
    if padding == "valid" and x.shape[1] < k:
        padding = "same"
    wq, bq, wtxt = _weights(rng)
    filters = int(rng.integers(1, 7))
    form = rng.pick("form", ["conv", "depthwise", "separable", "float", "float_depthwise", "float_separable"],
                    [0.6, 0.13, 0.13, 0.06, 0.04, 0.04])
    if one_d and form.endswith("depthwise"):  # no QDepthwiseConv1D in QKeras
        form = form.replace("depthwise", "separable")
    bn = form == "conv" and not one_d and rng.chance(0.2, "bn_fold")
    fused = rng.pick("fused", ["linear", "relu", "quantizer"], [0.7, 0.15, 0.15])
    if form.startswith("float") and fused == "quantizer":  # a Keras layer takes no QKeras activation
        fused = "relu"
    act, atxt = _q_activation(rng, f"act{i}")
    activation = {"linear": None, "relu": "relu", "quantizer": str(act.quantizer)}[fused]
    common = dict(strides=stride, padding=padding, bias_quantizer=bq, activation=activation, name=f"conv{i}")
    if form.startswith("float"):
        del common["bias_quantizer"]
        wtxt = "float32"
        if form == "float_depthwise":
            x = layers.DepthwiseConv2D(k, **common)(x)
        elif form == "float_separable":
            x = (layers.SeparableConv1D if one_d else layers.SeparableConv2D)(filters, k, **common)(x)
        else:
            x = (layers.Conv1D if one_d else layers.Conv2D)(filters, k, **common)(x)
    elif form == "depthwise":
        x = QDepthwiseConv2D(k, depth_multiplier=int(rng.integers(1, 3)), depthwise_quantizer=wq, **common)(x)
    elif form == "separable":
        pq, _, ptxt = _weights(rng)
        wtxt += f" pointwise {ptxt}"
        x = (QSeparableConv1D if one_d else QSeparableConv2D)(
            filters, k, depthwise_quantizer=wq, pointwise_quantizer=pq, **common)(x)
    else:
        conv = QConv1D if one_d else (QConv2DBatchnorm if bn else QConv2D)
        x = conv(filters, k, kernel_quantizer=wq, **common)(x)
    text = (f"{form}{'1d' if one_d else ''}{filters if not form.endswith('depthwise') else ''}{'+bn' if bn else ''} k{k} "
            f"s{stride} {padding} {wtxt}")
    if fused == "quantizer":
        desc.append(f"{text} fused {atxt}")
    else:
        if rng.chance(0.15, "batchnorm"):
            bn_layer, bn_text = _batchnorm(rng, f"bn{i}")
            x = bn_layer(x)
            text += f" + {bn_text}"
        if fused == "relu":
            text += " fused relu"
        elif rng.chance(0.15, "float_relu"):
            x = layers.Activation("relu", name=f"float_relu{i}")(x)
            text += " + float relu"
        x = act(x)
        desc.append(f"{text} -> {atxt}")
    if rng.chance(0.15, "dropout"):
        x = layers.Dropout(0.25, name=f"drop{i}")(x)
        desc.append("dropout")
    if x.shape[1] >= 2 and rng.chance(0.5, "pool"):
        avg = rng.pick("pool", ["avg", "max"], [0.5, 0.5]) == "avg"
        pool = ((layers.AveragePooling1D if avg else layers.MaxPooling1D) if one_d else
                (layers.AveragePooling2D if avg else layers.MaxPooling2D))
        x = pool(2, name=f"pool{i}")(x)
        desc.append(pool.__name__)
    return x


def _branch_conv(rng, x, filters, k, one_d, name):
    wq, bq, wtxt = _weights(rng)
    conv = QConv1D if one_d else QConv2D
    y = conv(filters, k, padding="same", kernel_quantizer=wq, bias_quantizer=bq, name=name)(x)
    act, atxt = _q_activation(rng, f"{name}_act")
    return act(y), f"{wtxt} -> {atxt}"


def _merge_block(rng, x, i, one_d, desc):
    """A residual block (x + conv(x), re-quantized) or an inception block (1-wide and 3-wide conv branches
    concatenated): functional graphs whose branches meet again."""
    layers = tf.keras.layers
    if rng.pick("merge", ["residual", "inception"], [0.5, 0.5]) == "residual":
        y, txt = _branch_conv(rng, x, int(x.shape[-1]), int(rng.integers(1, 4)), one_d, f"res{i}")
        x = layers.Add(name=f"add{i}")([x, y])
        act, atxt = _q_activation(rng, f"res{i}_out")
        desc.append(f"residual [conv {txt}] + skip -> {atxt}")
        return act(x)
    a, ta = _branch_conv(rng, x, int(rng.integers(1, 4)), 1, one_d, f"inc{i}a")
    b, tb = _branch_conv(rng, x, int(rng.integers(1, 4)), 3, one_d, f"inc{i}b")
    desc.append(f"inception [k1 {ta}] [k3 {tb}] concatenated")
    return layers.Concatenate(name=f"cat{i}")([a, b])


def _build(rng):
    """One random architecture: 2D images or 1D sequences, with or without an input quantizer (then
    the input format is declared), a flat input reshaped into an image, conv blocks, global pooling or
    Flatten, dense layers, and a softmax/sigmoid head or none."""
    layers = tf.keras.layers
    one_d = rng.chance(0.3, "1d")
    size, channels = int(rng.integers(6, 15)), int(rng.integers(1, 4))
    shape = (size * 2, channels) if one_d else (size, size, channels)
    in_bits, in_signed, in_int = int(rng.integers(4, 13)), bool(rng.random() < 0.3), int(rng.integers(0, 4))
    in_int = min(in_int, in_bits - 1 - in_signed)
    in_fmt = FixedFormat(in_bits, in_int + int(in_signed), in_signed)  # quantized_bits' integer excludes the sign
    declared = rng.chance(0.3, "declared")
    flat = not one_d and rng.chance(0.15, "flat")
    inp = layers.Input((int(np.prod(shape)),) if flat else shape, name="img")
    x = inp if declared else QActivation(in_fmt.qkeras_bits(), name="in_q")(inp)
    desc = [f"input {'x'.join(map(str, shape))} {'signed' if in_signed else 'unsigned'} {in_bits} bits"
            + (" (declared, no input quantizer)" if declared else "")]
    if flat:
        x = layers.Reshape(shape, name="to_image")(x)
        desc.append("reshape flat -> image")
    for i in range(int(rng.integers(1, 4))):
        x = _conv_block(rng, x, i, one_d, desc)
        if rng.chance(0.25, "merge"):
            x = _merge_block(rng, x, i, one_d, desc)
    if rng.chance(0.3, "global"):
        avg = rng.pick("global", ["avg", "max"], [0.5, 0.5]) == "avg"
        pool = ((layers.GlobalAveragePooling1D if avg else layers.GlobalMaxPooling1D) if one_d else
                (layers.GlobalAveragePooling2D if avg else layers.GlobalMaxPooling2D))
        x = pool(name="global_pool")(x)
        desc.append(pool.__name__)
    else:
        x = layers.Flatten(name="flat")(x)
    if rng.chance(0.6, "dense_h"):
        wq, bq, wtxt = _weights(rng)
        units = int(rng.integers(2, 12))
        form = rng.pick("dense", ["QDense", "QDenseBatchnorm", "Dense"], [0.75, 0.15, 0.1])
        if form == "Dense":
            x, wtxt = layers.Dense(units, name="dense_h")(x), "float32"
        else:
            cls = QDenseBatchnorm if form == "QDenseBatchnorm" else QDense
            x = cls(units, kernel_quantizer=wq, bias_quantizer=bq, name="dense_h")(x)
        act, atxt = _q_activation(rng, "act_h")
        x = act(x)
        desc.append(f"{form}{units} {wtxt} -> {atxt}")
    wq, bq, wtxt = _weights(rng)
    n_out = int(rng.integers(1, 6))
    n_out = 1 if "head:sigmoid" in rng.focus else max(n_out, 2) if "head:softmax" in rng.focus else n_out
    x = QDense(n_out, kernel_quantizer=wq, bias_quantizer=bq, name="logits")(x)
    desc.append(f"dense{n_out} {wtxt} (logits)")
    if rng.chance(0.25, "head"):
        head = "sigmoid" if n_out == 1 else "softmax"
        x = layers.Activation(head, name="head")(x)
        desc.append(f"{head} head")
    return tf.keras.Model(inp, x), desc, tuple(inp.shape[1:]), in_fmt, declared


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
         accept=lambda model, input_format: True) -> Draw:
    """The random CNN of `seed` with inputs; redrawn (deterministically) until `accept(model, input_format)`
    (input_format: the declared one of a model without an input quantizer, else None)."""
    rng = _Dice(np.random.default_rng(seed), FOCUS[seed % len(FOCUS)])
    for _ in range(max_tries):
        tf.keras.utils.set_random_seed(int(rng.integers(2 ** 31)))
        model, desc, shape, fmt, declared = _build(rng)
        input_format = fmt if declared else None
        if not accept(model, input_format):
            continue  # e.g. an exact accumulator wider than float32 holds: redraw
        x = _inputs(rng, shape, n_inputs, fmt)
        trained = bool(rng.random() < 0.5) if train is None else train
        if trained:
            y = rng.integers(0, model.output_shape[-1], len(x))
            probs = type(model.layers[-1]).__name__ == "Activation"  # a softmax/sigmoid head
            loss = (tf.keras.losses.BinaryCrossentropy() if model.output_shape[-1] == 1 and probs else
                    tf.keras.losses.SparseCategoricalCrossentropy(from_logits=not probs))
            if model.output_shape[-1] == 1 and probs:
                y = y * 0 + rng.integers(0, 2, len(x))
            model.compile(tf.keras.optimizers.Adam(0.01), loss)
            try:
                model.fit(x, y, epochs=2, batch_size=32, verbose=0)
            except tf.errors.OpError:  # oneDNN cannot build the gradient of some degenerate convs: redraw
                continue
        else:
            for layer in model.layers:
                if layer.weights:
                    layer.set_weights([_random_value(rng, v) for v in layer.weights])
        if not accept(model, input_format):  # trained weights change the exact accumulator ranges
            continue
        return Draw(model, desc + [f"weights {'trained' if trained else 'random'}"], x, input_format)
    raise RuntimeError(f"no valid random CNN in {max_tries} draws from seed {seed}")
