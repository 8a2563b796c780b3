"""Per-layer fixed-point types that make hls4ml's C simulation equal QKeras bit for bit.

A registry maps each Keras layer type to its precision rule (as hls4ml maps layer types
to handlers): rule(layer, input format) -> ({hls4ml layer name: {type name: type}},
output format). Rules (one place for them):
- the input and every quantizer keep their declared format, spelled with
  AP_RND_CONV/AP_SAT because QKeras rounds half to even and saturates;
- a Conv/Dense accumulator and result are exact: wide enough for the largest
  and smallest value the layer can produce with its actual quantized weights
  and the range of its input, with all fractional bits of input x weight and
  of the bias, so nothing overflows or truncates where QKeras does not;
- pooling keeps its input type (max) or widens it exactly (average).
Found by tracing, hls4ml's defaults break this: an unsigned quantized_bits input
becomes fixed<W,I+1> (one fractional bit lost) and accumulators default to
fixed<16,6>.
The rules read a model already made exact by hls/transforms.py (hls/prepare.py composes both).
"""

import math

import numpy as np

from common.errors import L1CNNError
from quantize.formats import FLOAT32_EXACT_BITS, FixedFormat, FormatError, exact_format


class UnsupportedLayer(L1CNNError, ValueError):
    """A layer or quantizer the bit-exact rules do not cover; the message names the fix."""


class NoInputFormat(UnsupportedLayer):
    """The model declares no input format (no input quantizer): the firmware's input type is unknown."""


def has_input_quantizer(keras_model) -> bool:
    layers = [l for l in keras_model.layers if type(l).__name__ != "InputLayer"]
    return bool(layers) and type(layers[0]).__name__ == "QActivation" and \
        type(layers[0].quantizer).__name__ == "quantized_bits"


def format_of_quantizer(q, layer_name) -> FixedFormat:
    """The fixed-point format a QKeras quantizer realises (alpha=1 quantized_bits / quantized_relu)."""
    try:
        return _format_of_quantizer(q, layer_name)
    except FormatError as e:
        raise UnsupportedLayer(f"layer '{layer_name}': its quantizer {type(q).__name__} has no fixed-point "
                               f"format ({e}); use at least 2 bits for a signed quantizer") from None


def _format_of_quantizer(q, layer_name) -> FixedFormat:
    kind = type(q).__name__
    if kind == "quantized_bits":
        if q.alpha not in (None, 1, 1.0):
            raise UnsupportedLayer(f"layer '{layer_name}': quantized_bits alpha={q.alpha!r} inserts a scale "
                                   f"hls4ml cannot type exactly; use alpha=1")
        signed = bool(q.keep_negative)
        return FixedFormat(int(q.bits), int(q.integer) + int(signed), signed)
    if kind == "quantized_relu":
        if getattr(q, "negative_slope", 0) or getattr(q, "use_sigmoid", 0) or getattr(q, "relu_upper_bound", None):
            raise UnsupportedLayer(f"layer '{layer_name}': only plain quantized_relu(bits, integer) is supported")
        return FixedFormat(int(q.bits), int(q.integer), False)
    raise UnsupportedLayer(f"layer '{layer_name}': quantizer {kind} is not supported; "
                           f"use quantized_bits(alpha=1) or quantized_relu")


def _affine_range(w, b, x_fmt: FixedFormat):
    """Min and max of sum_i w_ij x_i + b_j over x in [x.min, x.max], per output, then overall."""
    w = w.reshape(-1, w.shape[-1])
    pos, neg = np.clip(w, 0, None).sum(0), np.clip(w, None, 0).sum(0)
    hi = pos * x_fmt.max + neg * x_fmt.min + b
    lo = pos * x_fmt.min + neg * x_fmt.max + b
    return float(lo.min()), float(hi.max())


def check_chain(layers):
    for prev, layer in zip(layers, layers[1:]):
        if layer.input is not prev.output:
            raise UnsupportedLayer(f"layer '{layer.name}' does not read the layer before it; only sequential "
                                   f"CNNs (one chain of layers) are supported")


def input_format(keras_model) -> FixedFormat:
    """The declared input format: the quantizer of the QActivation right after the input."""
    if not has_input_quantizer(keras_model):
        raise NoInputFormat("the first layer after the input must be QActivation(quantized_bits(...)): it "
                            "declares the input format the firmware reads (or declare it with --input-format)")
    first = next(l for l in keras_model.layers if type(l).__name__ != "InputLayer")
    return format_of_quantizer(first.quantizer, first.name)


# ---- the rules, one per Keras layer type ------------------------------------------------------------

def _quantizer_activation(layer, fmt):
    out = format_of_quantizer(layer.quantizer, layer.name)
    return {layer.name: {"result": out.hls_type(rounding=True)}}, out


def _affine(layer, fmt):
    name = layer.name
    cfg = layer.get_config()
    if cfg.get("activation") not in (None, "linear"):
        raise UnsupportedLayer(f"layer '{name}' has a fused activation; use a separate QActivation")
    if any(d != 1 for d in np.ravel(cfg.get("dilation_rate", 1))):
        raise UnsupportedLayer(f"layer '{name}' is a dilated convolution, which hls4ml does not implement; "
                               f"use dilation_rate=1")
    wq, bq = layer.kernel_quantizer_internal, layer.bias_quantizer_internal
    if wq is None or (layer.use_bias and bq is None):
        raise UnsupportedLayer(f"layer '{name}' has float32 {'weights' if wq is None else 'biases'} (no quantizer), "
                               f"which no fixed-point type holds exactly; give it quantized_bits(alpha=1)")
    w_fmt = format_of_quantizer(wq, name)
    b_fmt = format_of_quantizer(bq, name) if layer.use_bias else None
    w = np.asarray(wq(layer.kernel), dtype=np.float64)
    b = np.asarray(bq(layer.bias), dtype=np.float64) if layer.use_bias else np.zeros(w.shape[-1])
    frac = max(fmt.fractional + w_fmt.fractional, b_fmt.fractional if b_fmt else -64)
    try:
        acc = exact_format(*_affine_range(w, b, fmt), frac)
    except FormatError:  # wider than any fixed-point type: far beyond float32, too
        acc = None
    if acc is None or acc.width > FLOAT32_EXACT_BITS:
        raise UnsupportedLayer(f"layer '{name}' needs a {acc.width if acc else '>64'}-bit exact accumulator, which QKeras' "
                               f"float32 arithmetic cannot hold; narrow its input or weight formats")
    types = {"weight": w_fmt.hls_type(), "accum": acc.hls_type(), "result": acc.hls_type()}
    if b_fmt:
        types["bias"] = b_fmt.hls_type()
    # hls4ml appends a linear activation '<name>_linear' that would re-type the result.
    return {name: types, f"{name}_linear": {"result": acc.hls_type()}}, acc


def _max_pool(layer, fmt):
    return {layer.name: {"accum": fmt.hls_type(), "result": fmt.hls_type()}}, fmt


def _average_pool(layer, fmt):
    n = int(np.prod(layer.pool_size))
    if n & (n - 1):
        raise UnsupportedLayer(f"layer '{layer.name}': average pooling over {n} values is not a power of two, "
                               f"so its mean is not exact in fixed point; use a 2x2 or 4x4 pool")
    k = int(math.log2(n))
    # hls4ml sums into accum_t and divides there (`y /= length`): it needs k more
    # integer bits for the sum and k more fractional bits for the exact mean.
    acc = FixedFormat(fmt.width + 2 * k, fmt.integer + k, fmt.signed)
    out = FixedFormat(fmt.width + k, fmt.integer, fmt.signed)
    return {layer.name: {"accum": acc.hls_type(), "result": out.hls_type()}}, out


def _flatten(layer, fmt):
    return {layer.name: {"result": fmt.hls_type()}}, fmt


def _float_batchnorm(layer, fmt):
    raise UnsupportedLayer(f"layer '{layer.name}' ({type(layer).__name__}) scales by gamma/sqrt(var+eps) in float32, "
                           f"which no fixed-point type reproduces exactly; use QConv2DBatchnorm (folded into "
                           f"quantized weights during training), which l1cnn supports")


def _activation(layer, fmt):
    if layer.get_config()["activation"] == "softmax":
        raise UnsupportedLayer(f"layer '{layer.name}' is a softmax: hls4ml computes it with lookup tables, so it "
                               f"cannot be bit-exact; end the model with the logits (train with from_logits=True)")
    raise UnsupportedLayer(f"layer '{layer.name}' is a float activation "
                           f"'{layer.get_config()['activation']}'; use QActivation(quantized_relu(bits, integer))")


RULES = {
    "QActivation": _quantizer_activation,
    "QConv2D": _affine,
    "QDense": _affine,
    "MaxPooling2D": _max_pool,
    "AveragePooling2D": _average_pool,
    "Flatten": _flatten,
}
REFUSALS = {  # layer types refused with their own reason (and how to change the model)
    "BatchNormalization": _float_batchnorm,
    "QBatchNormalization": _float_batchnorm,
    "Activation": _activation,
}


def derive(keras_model) -> dict:
    """{hls4ml layer name: {'result': type, ...}} for a sequential QKeras CNN made exact by
    hls/transforms.py; raises UnsupportedLayer naming the first layer no rule covers.

    The input layer gets the first quantizer's format with rounding, so a float input is
    rounded once, exactly as the QKeras quantizer rounds it.
    """
    check_chain(keras_model.layers)
    fmt = input_format(keras_model)
    types = {}
    for layer in keras_model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            types[layer.name] = {"result": fmt.hls_type(rounding=True)}
            continue
        rule = RULES.get(kind) or REFUSALS.get(kind)
        if rule is None:
            raise UnsupportedLayer(f"layer '{layer.name}' of type {kind} is not supported; supported: "
                                   f"{', '.join(RULES)}")
        layer_types, fmt = rule(layer, fmt)
        types.update(layer_types)
    return types
