"""Build a Keras model from a config's `architecture` list, in float or QKeras form.

The list reads like the architecture diagram; a registry maps each layer kind to its
config fields (read with common.checks.Checker, defaults included) and to the function
that adds it (as hls4ml maps layer types to handlers). A new kind is one LayerKind entry
here plus its precision rule in hls/precision.py and its cost rule in hls/estimate.py.
Blocks (BLOCK_KINDS: residual, inception) hold layer lists of their own, joined by Add or Concatenate.
The quantized model starts with a QActivation holding the declared input format, so the
firmware input type and the first quantizer are the same (no double rounding).
TensorFlow is imported only when a model is built: config validation reads the registry without it.
"""

from dataclasses import dataclass
from typing import Callable

from common.checks import where
from common.errors import L1CNNError
from quantize.formats import FLOAT32_EXACT_BITS, FixedFormat
QUANTIZED_FIELDS = ("weight", "bias")  # per-layer formats; default: the config's quantization section
PADDINGS = ("valid", "same")  # Keras conv padding modes hls4ml converts


@dataclass(frozen=True)
class LayerKind:
    fields: tuple     # the config fields it accepts
    weighted: bool    # has weights (a reuse factor applies to it)
    check: Callable   # (checker, args, path) -> normalized args (weight/bias None when not given)
    build: Callable   # (x, args, name, quantized) -> x


def _fixed_or_none(c, a, key, path, signed):
    if key not in a:
        return None
    try:
        fmt = FixedFormat.parse(a[key])
    except ValueError as e:
        c.fail(where(path, key), f"is invalid: {e}")
    if fmt.signed != signed:
        c.fail(where(path, key), f"must be {'a signed ap_fixed' if signed else 'an unsigned ap_ufixed'} type "
                                 f"(got {a[key]})")
    return a[key]


def check_fixed(c, a, key, path, signed):
    """A required fixed-point type field, at most FLOAT32_EXACT_BITS wide (QKeras' float32 stays exact)."""
    c.get(a, key, path)
    v = _fixed_or_none(c, a, key, path, signed)
    if FixedFormat.parse(v).width > FLOAT32_EXACT_BITS:
        c.fail(where(path, key), f"is {FixedFormat.parse(v).width} bits wide; at most {FLOAT32_EXACT_BITS} bits "
                                 f"keep QKeras float32 arithmetic exact")
    return v


def _quantized(c, a, path):
    return {k: (check_fixed(c, a, k, path, signed=True) if k in a else None) for k in QUANTIZED_FIELDS}


def _check_conv(c, a, path):
    return {"filters": c.integer(a, "filters", path, 1, 256), "kernel": c.integer(a, "kernel", path, 1, 11),
            "strides": c.integer(a, "strides", path, 1, 8, default=1),
            "padding": c.choice(a, "padding", path, PADDINGS, default=PADDINGS[0]), **_quantized(c, a, path)}


def _check_dense(c, a, path):
    return {"units": c.integer(a, "units", path, 1, 4096), **_quantized(c, a, path)}


def _check_pool(c, a, path):
    return {"size": c.integer(a, "size", path, 1, 8)}


def _check_zeropad(c, a, path):
    return {"size": c.integer(a, "size", path, 1, 8, default=1)}


def _check_dropout(c, a, path):
    rate = c.get(a, "rate", path, default=0.25)
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate < 1:
        c.fail(where(path, "rate"), f"must be a number in [0, 1), got {rate!r}")
    return {"rate": float(rate)}


def _layers():
    import tensorflow as tf

    return tf.keras.layers


def _convolution(float_kind, quantized_kind):
    """A conv builder: the Keras layer `float_kind`, or its QKeras form `quantized_kind` with the formats."""
    def build(x, a, name, q):
        import qkeras

        common = dict(filters=a["filters"], kernel_size=a["kernel"], strides=a["strides"], padding=a["padding"],
                      name=name)
        if not q:
            return getattr(_layers(), float_kind)(**common)(x)
        w, b = (FixedFormat.parse(a[k]) for k in QUANTIZED_FIELDS)
        return getattr(qkeras, quantized_kind)(kernel_quantizer=w.qkeras_bits(), bias_quantizer=b.qkeras_bits(),
                                               **common)(x)
    return build


_conv, _conv1d = _convolution("Conv2D", "QConv2D"), _convolution("Conv1D", "QConv1D")


def _depthwise(x, a, name, q):
    from qkeras import QDepthwiseConv2D

    common = dict(kernel_size=a["kernel"], strides=a["strides"], padding=a["padding"], name=name)
    if not q:
        return _layers().DepthwiseConv2D(**common)(x)
    w, b = (FixedFormat.parse(a[k]) for k in QUANTIZED_FIELDS)
    return QDepthwiseConv2D(depthwise_quantizer=w.qkeras_bits(), bias_quantizer=b.qkeras_bits(), **common)(x)


def _separable(x, a, name, q):
    from qkeras import QSeparableConv1D, QSeparableConv2D

    one_d = len(x.shape) == 3
    common = dict(filters=a["filters"], kernel_size=a["kernel"], strides=a["strides"], padding=a["padding"], name=name)
    if not q:
        return (_layers().SeparableConv1D if one_d else _layers().SeparableConv2D)(**common)(x)
    w, b = (FixedFormat.parse(a[k]) for k in QUANTIZED_FIELDS)
    cls = QSeparableConv1D if one_d else QSeparableConv2D
    return cls(depthwise_quantizer=w.qkeras_bits(), pointwise_quantizer=w.qkeras_bits(),
               bias_quantizer=b.qkeras_bits(), **common)(x)


def _check_depthwise(c, a, path):
    return {"kernel": c.integer(a, "kernel", path, 1, 11), "strides": c.integer(a, "strides", path, 1, 8, default=1),
            "padding": c.choice(a, "padding", path, PADDINGS, default=PADDINGS[0]), **_quantized(c, a, path)}


def _by_rank(one_d, two_d):
    """A layer whose 1D or 2D Keras form follows the tensor it is applied to (sequence or image)."""
    def build(x, a, name, q):
        cls = getattr(_layers(), one_d if len(x.shape) == 3 else two_d)
        return (cls(a["size"], name=name) if "size" in a else cls(name=name))(x)
    return build


def _dense(x, a, name, q):
    from qkeras import QDense

    layers = _layers()
    if not q:
        return layers.Dense(a["units"], name=name)(x)
    w, b = (FixedFormat.parse(a[k]) for k in QUANTIZED_FIELDS)
    return QDense(a["units"], kernel_quantizer=w.qkeras_bits(), bias_quantizer=b.qkeras_bits(), name=name)(x)


def _relu(x, a, name, q):
    from qkeras import QActivation

    layers = _layers()
    if not q:
        return layers.Activation("relu", name=name)(x)
    return QActivation(FixedFormat.parse(a["format"]).qkeras_relu(), name=name)(x)


LAYER_KINDS = {
    "conv": LayerKind(("filters", "kernel", "strides", "padding", *QUANTIZED_FIELDS), True, _check_conv, _conv),
    "dense": LayerKind(("units", *QUANTIZED_FIELDS), True, _check_dense, _dense),
    "relu": LayerKind(("format",), False, lambda c, a, p: {"format": check_fixed(c, a, "format", p, signed=False)}, _relu),
    "conv1d": LayerKind(("filters", "kernel", "strides", "padding", *QUANTIZED_FIELDS), True, _check_conv, _conv1d),
    "depthwise_conv": LayerKind(("kernel", "strides", "padding", *QUANTIZED_FIELDS), True, _check_depthwise,
                                _depthwise),
    "separable_conv": LayerKind(("filters", "kernel", "strides", "padding", *QUANTIZED_FIELDS), True, _check_conv,
                                _separable),
    "batchnorm": LayerKind((), False, lambda c, a, p: {},
                           lambda x, a, name, q: _layers().BatchNormalization(name=name)(x)),
    "maxpool": LayerKind(("size",), False, _check_pool, _by_rank("MaxPooling1D", "MaxPooling2D")),
    "avgpool": LayerKind(("size",), False, _check_pool, _by_rank("AveragePooling1D", "AveragePooling2D")),
    "global_maxpool": LayerKind((), False, lambda c, a, p: {},
                                _by_rank("GlobalMaxPooling1D", "GlobalMaxPooling2D")),
    "global_avgpool": LayerKind((), False, lambda c, a, p: {},
                                _by_rank("GlobalAveragePooling1D", "GlobalAveragePooling2D")),
    "zeropad": LayerKind(("size",), False, _check_zeropad, _by_rank("ZeroPadding1D", "ZeroPadding2D")),
    "dropout": LayerKind(("rate",), False, _check_dropout,
                         lambda x, a, name, q: _layers().Dropout(a["rate"], name=name)(x)),
    "flatten": LayerKind((), False, lambda c, a, p: {}, lambda x, a, name, q: _layers().Flatten(name=name)(x)),
}


class ArchitectureError(L1CNNError, ValueError):
    """An architecture whose layers do not fit together (found when the model is built)."""


@dataclass(frozen=True)
class BlockKind:
    """Branches (layer lists; an empty one passes its input through) joined by one merge layer, as
    functional models write residual and inception blocks."""
    fields: tuple      # the config fields, each holding a layer list (or, for `branches`, a list of them)
    required: tuple    # the fields that must be given
    branches: Callable  # normalized args -> (layer list, ...) in build order
    merge: str         # the Keras layer joining the branches
    same_axes: slice   # the output axes every branch must agree on (Add: all; Concatenate: all but channels)
    hint: str          # what to change when branches disagree
    example: str       # how the config spells it


BLOCK_KINDS = {
    "residual": BlockKind(("layers", "shortcut"), ("layers",), lambda a: (a["layers"], a["shortcut"]), "Add",
                          slice(1, None), "keep the input's shape in the body (padding: same, the input's "
                                          "channel count) or give a 'shortcut' that makes the same shape",
                          "'residual: {layers: [...], shortcut: [...]}'"),
    "inception": BlockKind(("branches",), ("branches",), lambda a: a["branches"], "Concatenate", slice(1, -1),
                           "give every branch the same output size (padding: same, equal strides and pooling)",
                           "'inception: {branches: [[...], [...]]}'"),
}


def walk(architecture):
    """(kind, args, name) of every layer and block, blocks before their branches, in build order.
    Names are <kind><n> (conv1, relu1, residual1, ...), counted over the whole model."""
    counts = {}

    def visit(layers):
        for kind, args in layers:
            counts[kind] = counts.get(kind, 0) + 1
            yield kind, args, f"{kind}{counts[kind]}"
            if kind in BLOCK_KINDS:
                for branch in BLOCK_KINDS[kind].branches(args):
                    yield from visit(branch)
    return visit(architecture)


def layer_names(architecture) -> list:
    """The Keras layer names build() gives an architecture (see walk)."""
    return [name for _, _, name in walk(architecture)]


def _stack(x, layers, names, quantized):
    for kind, args in layers:
        name = next(names)
        if kind not in BLOCK_KINDS:
            x = LAYER_KINDS[kind].build(x, args, name, quantized)
            continue
        block = BLOCK_KINDS[kind]
        outs = [_stack(x, branch, names, quantized) for branch in block.branches(args)]
        shapes = [tuple(o.shape[block.same_axes]) for o in outs]
        if len(set(shapes)) > 1:
            full = ", ".join(str(tuple(o.shape[1:])) for o in outs)
            raise ArchitectureError(f"{kind} block '{name}': its branches give shapes {full}; {block.hint}")
        x = getattr(_layers(), block.merge)(name=name)(outs)
    return x


def build(architecture, input_shape, input_format: str, name: str, quantized: bool):
    """The CNN of a normalized architecture [(kind, args), ...]; outputs are logits, never softmax.
    Layers are named as walk() names them, the quantized input 'input_q'."""
    import tensorflow as tf
    from qkeras import QActivation

    inp = tf.keras.layers.Input(tuple(input_shape), name="image")
    x = inp
    if quantized:
        x = QActivation(FixedFormat.parse(input_format).qkeras_bits(), name="input_q")(x)
    x = _stack(x, architecture, iter(layer_names(architecture)), quantized)
    return tf.keras.Model(inp, x, name=name)
