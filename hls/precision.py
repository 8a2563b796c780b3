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
- pooling keeps its input type (max) or widens it exactly (average, global average);
  padding, reshaping and ReLU keep it;
- float arithmetic (float weights or batch-norm scales, a mean over a count that is not a power
  of two, a sum wider than float32's 24 bits) is realized exactly in fixed point where it fits
  (the firmware then computes the real-number result) and the layer gets a *caveat*: Keras
  computes it in float32, whose rounding may differ, so its exactness is measured, not guaranteed.
  Values too fine to carry on (a float layer feeding a float layer) are rounded to
  FLOAT_STANDIN_BITS significant bits, about float32's precision.
Found by tracing, hls4ml's defaults break this: an unsigned quantized_bits input
becomes fixed<W,I+1> (one fractional bit lost) and accumulators default to
fixed<16,6>.
The rules read a model already made exact by hls/transforms.py (hls/prepare.py composes both).
"""

import math
from dataclasses import dataclass

import numpy as np

from common.errors import L1CNNError
from hls import graph
from quantize.formats import FLOAT32_EXACT_BITS, FixedFormat, FormatError, exact_format, float32_format, with_whole_bits


class UnsupportedLayer(L1CNNError, ValueError):
    """A layer or quantizer the bit-exact rules do not cover; the message names the fix."""


class NoInputFormat(UnsupportedLayer):
    """The model declares no input format (no input quantizer): the firmware's input type is unknown."""


def _input_quantizer(keras_model):
    """The QActivation(quantized_bits) that alone reads the model input, or None."""
    inbound = graph.edges(keras_model)
    readers = [l for l in keras_model.layers if type(l).__name__ != "InputLayer" and (
        not inbound[l.name] or type(keras_model.get_layer(inbound[l.name][0])).__name__ == "InputLayer")]
    if len(readers) != 1 or type(readers[0]).__name__ != "QActivation":
        return None
    return readers[0] if type(readers[0].quantizer).__name__ == "quantized_bits" else None


def has_input_quantizer(keras_model) -> bool:
    return _input_quantizer(keras_model) is not None


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


HEADS = ("softmax", "sigmoid")  # a final head kept with --keep-head is typed by hls4ml's defaults
ACCUM_MAX_BITS = 64          # widest accumulator l1cnn writes (ap_fixed supports more; synthesis would not want it)
FLOAT_WEIGHT_MAX_BITS = 32   # float32 weights held exactly up to this width, else rounded to it
EXACT_RESULT_MAX_BITS = 48   # exact results wider than this (float layers in a row) are rounded ...
FLOAT_STANDIN_BITS = 28      # ... to this many bits: float32's 24 significant bits and 4 guard bits
MEAN_EXTRA_BITS = 24         # fractional bits added to a mean over a count that is not a power of two


def input_format(keras_model) -> FixedFormat:
    """The declared input format: the quantizer of the QActivation right after the input."""
    if not has_input_quantizer(keras_model):
        raise NoInputFormat("the first layer after the input must be QActivation(quantized_bits(...)): it "
                            "declares the input format the firmware reads (or declare it with --input-format)")
    first = _input_quantizer(keras_model)
    return format_of_quantizer(first.quantizer, first.name)


# ---- the rules, one per Keras layer type ------------------------------------------------------------
# rule(layer, input format, caveats) -> (types, output format); a rule whose layer's exactness rests on
# Keras' float32 arithmetic records why in caveats[layer name].

def _quantizer_activation(layer, fmt, caveats):
    if getattr(layer.quantizer, "__name__", None) == "relu":  # QActivation("relu"): a float ReLU
        return _relu(layer, fmt)
    out = format_of_quantizer(layer.quantizer, layer.name)
    return {layer.name: {"result": out.hls_type(rounding=True)}}, out


_QUANTIZER_OF = {"kernel": "kernel", "bias": "bias", "depthwise_kernel": "depthwise", "pointwise_kernel": "pointwise"}


def _weights(layer, which, caveats):
    """(values, format) of a layer's kernel (or depthwise/pointwise kernel) or bias as the firmware holds it."""
    q = getattr(layer, f"{_QUANTIZER_OF[which]}_quantizer_internal", None)
    raw = getattr(layer, which)
    if q is not None:  # a scaled quantizer (alpha != 1) is refused here unless a transformation removed it
        return np.asarray(q(raw), np.float64), format_of_quantizer(q, layer.name)
    values = np.asarray(raw, np.float32).astype(np.float64)
    fmt, exact = float32_format(values, FLOAT_WEIGHT_MAX_BITS)
    note = "held exactly" if exact else f"rounded to {fmt}"
    caveats.setdefault(layer.name, f"float32 {which} ({note}): Keras rounds every product and sum to float32")
    return fmt.quantize(values), fmt


def _settle(name, acc: FixedFormat, caveats):
    """The result format of an exact accumulator: itself, or rounded when float layers made it too wide."""
    if acc.width <= EXACT_RESULT_MAX_BITS:
        return acc
    caveats.setdefault(name, "float arithmetic")
    caveats[name] += f"; result rounded from {acc.width} to {FLOAT_STANDIN_BITS} bits"
    return with_whole_bits(FixedFormat(FLOAT_STANDIN_BITS, acc.integer, acc.signed))


def _accumulator(name, w, b, w_fmt, b_fmt, fmt, fractional=None):
    """The exact accumulator format (None when wider than ACCUM_MAX_BITS)."""
    frac = max(fmt.fractional + w_fmt.fractional, b_fmt.fractional if b_fmt else -64) if fractional is None else \
        fractional
    try:
        acc = exact_format(*_affine_range(w, b, fmt), frac)
    except FormatError:
        return None
    return acc if acc.width <= ACCUM_MAX_BITS else None


def _check_conv_config(layer):
    cfg = layer.get_config()
    if cfg.get("activation") not in (None, "linear"):
        raise UnsupportedLayer(f"layer '{layer.name}' has a fused activation; use a separate QActivation")
    if any(d != 1 for d in np.ravel(cfg.get("dilation_rate", 1))):
        raise UnsupportedLayer(f"layer '{layer.name}' is a dilated convolution, which hls4ml does not implement; "
                               f"use dilation_rate=1")


def _exact_sum(name, w, b, w_fmt, b_fmt, fmt, caveats):
    """(weights, their format, the exact accumulator) of sum_i w_ij x_i + b_j, w as (n_in, n_out);
    float weights after float layers give up their finest bits to fit ACCUM_MAX_BITS."""
    acc = _accumulator(name, w, b, w_fmt, b_fmt, fmt)
    if acc is None and name in caveats:
        acc_int = _accumulator(name, w, b, w_fmt, b_fmt, fmt, fractional=0).integer
        w_frac = ACCUM_MAX_BITS - 1 - acc_int - fmt.fractional
        w_fmt = FixedFormat(w_fmt.integer + w_frac, w_fmt.integer, True)
        w = w_fmt.quantize(w)
        caveats[name] += f"; kernel rounded to {w_fmt} to fit a {ACCUM_MAX_BITS}-bit accumulator"
        acc = _accumulator(name, w, b, w_fmt, b_fmt, fmt)
    if acc is not None and name in caveats:
        acc = with_whole_bits(acc)
    if acc is None:
        raise UnsupportedLayer(f"layer '{name}' needs an accumulator wider than {ACCUM_MAX_BITS} bits; narrow its "
                               f"input or weight formats")
    if acc.width > FLOAT32_EXACT_BITS and name not in caveats:
        caveats[name] = (f"its exact sums need {acc.width} bits, more than float32's {FLOAT32_EXACT_BITS}: Keras "
                         f"may round them")
    return w, w_fmt, acc


def _per_channel(w):
    """A depthwise kernel (..., C, M) as (taps, C*M): output channel c*M + m reads input channel c."""
    return w.reshape(-1, w.shape[-2] * w.shape[-1])


def _affine(layer, fmt, caveats):
    """Conv1D/Conv2D/Dense (Q or float) and DepthwiseConv1D/2D: one exact matrix-vector sum per output."""
    name = layer.name
    _check_conv_config(layer)
    depthwise = hasattr(layer, "depthwise_kernel")
    if depthwise and int(getattr(layer, "depth_multiplier", 1)) != 1:
        raise UnsupportedLayer(f"layer '{name}': depth_multiplier {layer.depth_multiplier} is not implemented by hls4ml "
                               f"1.3 (either io type: its depthwise kernels assert a multiplier of 1); use "
                               f"depth_multiplier=1 followed by a 1x1 convolution")
    w, w_fmt = _weights(layer, "depthwise_kernel" if depthwise else "kernel", caveats)
    w = _per_channel(w) if depthwise else w.reshape(-1, w.shape[-1])
    b, b_fmt = _weights(layer, "bias", caveats) if layer.use_bias else (np.zeros(w.shape[-1]), None)
    w, w_fmt, acc = _exact_sum(name, w, b, w_fmt, b_fmt, fmt, caveats)
    out = _settle(name, acc, caveats)
    r = name in caveats  # float-derived formats round onto their grid; exact ones never need to
    types = {"weight": w_fmt.hls_type(rounding=r), "accum": acc.hls_type(), "result": out.hls_type(rounding=out != acc)}
    if b_fmt:
        types["bias"] = b_fmt.hls_type(rounding=r)
    # hls4ml appends a linear activation '<name>_linear' that would re-type the result.
    return {name: types, f"{name}_linear": {"result": out.hls_type()}}, out


def _union(a: FixedFormat, b: FixedFormat) -> FixedFormat:
    integer, frac = max(a.integer, b.integer), max(a.fractional, b.fractional)
    return FixedFormat(integer + frac, integer, a.signed or b.signed)


def _separable(layer, fmt, caveats):
    """SeparableConv1D/2D: hls4ml's depthwise stage writes dw_output_t and its pointwise stage the result,
    both summing in the one accum_t: each stage exact, accum_t the union of the two."""
    name = layer.name
    _check_conv_config(layer)
    dw, dw_fmt = _weights(layer, "depthwise_kernel", caveats)
    pw, pw_fmt = _weights(layer, "pointwise_kernel", caveats)
    b, b_fmt = _weights(layer, "bias", caveats) if layer.use_bias else (np.zeros(pw.shape[-1]), None)
    dw, dw_fmt, mid = _exact_sum(name, _per_channel(dw), np.zeros(dw.shape[-2] * dw.shape[-1]), dw_fmt, None, fmt,
                                 caveats)
    pw, pw_fmt, acc = _exact_sum(name, pw.reshape(-1, pw.shape[-1]), b, pw_fmt, b_fmt, mid, caveats)
    out = _settle(name, acc, caveats)
    r = name in caveats
    types = {"depthwise": dw_fmt.hls_type(rounding=r), "pointwise": pw_fmt.hls_type(rounding=r),
             "accum": _union(mid, acc).hls_type(), "dw_output": mid.hls_type(), "result": out.hls_type(rounding=out != acc)}
    if b_fmt:
        types["bias"] = b_fmt.hls_type(rounding=r)
    return {name: types, f"{name}_linear": {"result": out.hls_type()}}, out


def _max_pool(layer, fmt, caveats):
    return {layer.name: {"accum": fmt.hls_type(), "result": fmt.hls_type()}}, fmt


def _mean(layer, fmt, n, caveats):
    """Types of a mean over n values: hls4ml sums into accum_t and divides there (`y /= n`), keeping
    accum_t's fractional bits: log2(n) more integer bits for the sum and, for n = 2^k, k more fractional
    bits make the mean exact; any other n has no finite binary mean and gets MEAN_EXTRA_BITS."""
    k = math.ceil(math.log2(n)) if n > 1 else 0
    extra = k if n & (n - 1) == 0 else MEAN_EXTRA_BITS
    if n & (n - 1):
        caveats[layer.name] = (f"a mean over {n} values (not a power of two) has no exact binary value: the "
                               f"firmware truncates it at 2^-{fmt.fractional + extra}, Keras rounds it to float32")
    acc = FixedFormat(fmt.width + k + extra, fmt.integer + k, fmt.signed)
    out = FixedFormat(fmt.width + extra, fmt.integer, fmt.signed)
    return {layer.name: {"accum": acc.hls_type(), "result": out.hls_type()}}, out


def _average_pool(layer, fmt, caveats):
    if getattr(layer, "padding", "valid") != "valid":
        raise UnsupportedLayer(f"layer '{layer.name}': average pooling with padding='same' divides edge windows by "
                               f"their own size, which hls4ml rescales inexactly; use padding='valid'")
    return _mean(layer, fmt, int(np.prod(layer.pool_size)), caveats)


def _global_average_pool(layer, fmt, caveats):
    return _mean(layer, fmt, int(np.prod(layer.input_shape[1:-1])), caveats)


def _passthrough(layer, fmt, caveats=None):
    return {layer.name: {"result": fmt.hls_type()}}, fmt


def _relu(layer, fmt, caveats=None):
    return {layer.name: {"result": fmt.hls_type()}}, fmt


def _batchnorm_affine(layer):
    """The firmware's per-channel scale and offset of a float BatchNormalization, from the float32 values
    Keras itself uses (rsqrt(var + eps) * gamma), held exactly where a format of FLOAT_WEIGHT_MAX_BITS can."""
    import tensorflow as tf

    def param(name, quantizer):  # QBatchNormalization computes with its quantized parameters
        q = getattr(layer, f"{quantizer}_quantizer_internal", None)
        value = getattr(layer, name)
        return q(value) if q is not None else value

    var, mean = param("moving_variance", "variance"), param("moving_mean", "mean")
    gamma = param("gamma", "gamma") if layer.scale else tf.ones_like(var)
    inv = tf.math.rsqrt(var + layer.epsilon) * gamma
    beta = param("beta", "beta") if layer.center else tf.zeros_like(inv)
    offset = np.asarray(beta - mean * inv, np.float64)  # as tf.nn.batch_normalization, in float32
    inv = np.asarray(inv, np.float64)
    s_fmt, s_exact = float32_format(inv, FLOAT_WEIGHT_MAX_BITS)
    b_fmt, b_exact = float32_format(offset, FLOAT_WEIGHT_MAX_BITS)
    return s_fmt.quantize(inv), b_fmt.quantize(offset), s_fmt, b_fmt, s_exact and b_exact


def _batchnorm_result(s, o, fmt):
    hi = np.maximum(s * fmt.max, s * fmt.min) + o
    lo = np.minimum(s * fmt.max, s * fmt.min) + o
    return float(lo.min()), float(hi.max())


def _add(layer, fmts, caveats):
    """hls4ml's Add (nnet_merge.h: res = a + b, pairwise): the exact sum of the branches' ranges."""
    lo, hi = sum(f.min for f in fmts), sum(f.max for f in fmts)
    out = exact_format(lo, hi, max(f.fractional for f in fmts))
    if len(fmts) != 2:
        raise UnsupportedLayer(f"layer '{layer.name}' adds {len(fmts)} tensors; hls4ml's Add takes two: chain them")
    if out.width > FLOAT32_EXACT_BITS:
        caveats[layer.name] = f"its exact sum needs {out.width} bits, more than float32's {FLOAT32_EXACT_BITS}"
    return {layer.name: {"result": out.hls_type()}}, out


def _concatenate(layer, fmts, caveats):
    """hls4ml's Concatenate copies each branch into one result type: one that holds every branch exactly."""
    if len(fmts) != 2:
        raise UnsupportedLayer(f"layer '{layer.name}' joins {len(fmts)} tensors; hls4ml's Concatenate takes two: "
                               f"chain them")
    out = exact_format(min(f.min for f in fmts), max(f.max for f in fmts), max(f.fractional for f in fmts))
    return {layer.name: {"result": out.hls_type()}}, out


def _float_batchnorm(layer, fmt, caveats):
    """y = x * scale + offset in the firmware, exactly (derive() may then prove it exact with its quantizer)."""
    s, o, s_fmt, b_fmt, exact = _batchnorm_affine(layer)
    caveats[layer.name] = (f"float {type(layer).__name__}: Keras computes x * gamma/sqrt(var + eps) + offset in "
                           "float32" + ("" if exact else f"; scale/offset rounded to {s_fmt}/{b_fmt}"))
    lo, hi = _batchnorm_result(s, o, fmt)
    frac = max(fmt.fractional + s_fmt.fractional, b_fmt.fractional)
    whole = with_whole_bits(exact_format(lo - 1, hi + 1, 0)).integer
    if whole + frac > ACCUM_MAX_BITS:  # a wide input times a float32 scale: keep the top bits only
        frac = ACCUM_MAX_BITS - whole - 1  # one bit of margin for the range rounding up
        caveats[layer.name] += f"; result rounded to {frac} fractional bits to fit {ACCUM_MAX_BITS} bits"
    # one unit of margin: an offset moved by hls/thresholds.py stays within both formats
    acc = with_whole_bits(exact_format(lo - 1, hi + 1, frac))
    bias = with_whole_bits(exact_format(min(float(o.min()), 0.0) - 1, max(float(o.max()), 0.0) + 1, frac))
    out = _settle(layer.name, acc, caveats)
    return {layer.name: {"scale": s_fmt.hls_type(rounding=True), "bias": bias.hls_type(rounding=True),
                         "result": out.hls_type(rounding=True)}}, out


def _batchnorm_exactly(layer, nxt, fmt_in, fmt_out, caveats, weights, proofs):
    """A float BatchNormalization: the firmware's scale/offset (written into hls4ml's layer), and, when a
    quantizer follows and the result is exact, the exhaustive check of hls/thresholds.py."""
    from hls.thresholds import realize

    s, o, _, _, _ = _batchnorm_affine(layer)
    weights[layer.name] = {"scale": s, "bias": o}
    quantizer = getattr(nxt, "quantizer", None)
    if type(nxt).__name__ != "QActivation" or type(quantizer).__name__ not in ("quantized_bits", "quantized_relu") \
            or "rounded" in caveats[layer.name]:
        return
    q_fmt = format_of_quantizer(quantizer, nxt.name)
    r = realize(layer, nxt, fmt_in, s, o, q_fmt, fmt_out.fractional)
    if r is None:
        caveats[layer.name] += f"; its {fmt_in.width}-bit input is too wide to check every value"
        return
    weights[layer.name]["bias"] = r.offsets
    n = r.n_domain * len(s)
    proofs[layer.name] = {"quantizer": nxt.name, "n_values_checked": n, "n_differing": r.n_differing,
                          "n_channels_offset_adjusted": r.n_channels_adjusted}
    if r.n_differing == 0:
        del caveats[layer.name]  # proven: every possible input gives Keras' own output
    else:
        caveats[layer.name] += (f"; {r.n_differing:,} of {n:,} possible (input, channel) values round differently "
                                f"after '{nxt.name}' (checked exhaustively)")


def _activation(layer, fmt, caveats):
    act = layer.get_config()["activation"]
    if act == "relu":
        return _relu(layer, fmt)
    if act in ("softmax", "sigmoid"):
        raise UnsupportedLayer(f"layer '{layer.name}' is a {act} inside the model: hls4ml computes it with lookup "
                               f"tables, so it cannot be bit-exact; only a final softmax/sigmoid head is handled")
    raise UnsupportedLayer(f"layer '{layer.name}' is a float activation '{act}', which hls4ml approximates with "
                           f"lookup tables; use QActivation(quantized_relu(bits, integer)) or 'relu'")


RULES = {
    "QActivation": _quantizer_activation,
    "Activation": _activation,
    "ReLU": _relu,
    "QConv1D": _affine,
    "QConv2D": _affine,
    "QDense": _affine,
    "Conv1D": _affine,
    "Conv2D": _affine,
    "Dense": _affine,
    "QDepthwiseConv2D": _affine,
    "DepthwiseConv1D": _affine,
    "DepthwiseConv2D": _affine,
    "QSeparableConv1D": _separable,
    "QSeparableConv2D": _separable,
    "SeparableConv1D": _separable,
    "SeparableConv2D": _separable,
    "MaxPooling1D": _max_pool,
    "MaxPooling2D": _max_pool,
    "AveragePooling1D": _average_pool,
    "AveragePooling2D": _average_pool,
    "GlobalMaxPooling1D": _max_pool,
    "GlobalMaxPooling2D": _max_pool,
    "GlobalAveragePooling1D": _global_average_pool,
    "GlobalAveragePooling2D": _global_average_pool,
    "Flatten": _passthrough,
    "Reshape": _passthrough,
    "ZeroPadding1D": _passthrough,
    "ZeroPadding2D": _passthrough,
    "BatchNormalization": _float_batchnorm,
    "QBatchNormalization": _float_batchnorm,
    "Add": _add,
    "Concatenate": _concatenate,
}
REFUSALS = {}  # layer types refused with their own reason (and how to change the model)


@dataclass(frozen=True)
class Derivation:
    types: dict     # {hls4ml layer name: {type name: type}}
    caveats: dict   # {layer name: why its exactness rests on Keras' float32 arithmetic}; empty = guaranteed
    weights: dict   # {hls4ml layer name: {weight name: values}} l1cnn writes instead of hls4ml's own
    proofs: dict    # {layer name: exhaustive check of a float layer against Keras (hls/thresholds.py)}


def derive(keras_model) -> Derivation:
    """Every layer's type for a CNN made exact by hls/transforms.py (a chain, or branches joined by Add /
    Concatenate); raises UnsupportedLayer naming the first layer no rule covers.

    The input layer gets the first quantizer's format with rounding, so a float input is
    rounded once, exactly as the QKeras quantizer rounds it.
    """
    inbound, users = graph.check(keras_model), graph.consumers(keras_model)
    by_name = {l.name: l for l in keras_model.layers}
    first_fmt = input_format(keras_model)
    types, caveats, weights, proofs, formats = {}, {}, {}, {}, {}
    last = keras_model.get_layer(keras_model.output_names[0])
    for layer in keras_model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            types[layer.name] = {"result": first_fmt.hls_type(rounding=True)}
            formats[layer.name] = first_fmt
            continue
        if layer is last and kind == "Activation" and layer.get_config()["activation"] in HEADS:
            continue  # a kept head (--keep-head): hls4ml's lookup tables, compared apart from the logits
        rule = RULES.get(kind) or REFUSALS.get(kind)
        if rule is None:
            raise UnsupportedLayer(f"layer '{layer.name}' of type {kind} is not supported; supported: "
                                   f"{', '.join(RULES)}")
        ins = [formats[n] for n in inbound[layer.name]] or [first_fmt]
        fmt_in = ins if kind in graph.MERGES else ins[0]
        layer_types, fmt = rule(layer, fmt_in, caveats)
        types.update(layer_types)
        formats[layer.name] = fmt
        if kind in ("BatchNormalization", "QBatchNormalization"):
            nxt = users[layer.name]
            _batchnorm_exactly(layer, by_name[nxt[0]] if len(nxt) == 1 else None, fmt_in, fmt, caveats,
                               weights, proofs)
    return Derivation(types, caveats, weights, proofs)
