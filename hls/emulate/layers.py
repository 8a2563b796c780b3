"""One emulator per nnet function of a written project, as EMULATORS maps it (hls4ml's templates in
nnet_utils, arithmetic only): each takes the layer (hls/project.py FwLayer) and its input values
`Fixed(q, frac)` for a whole batch and returns its output values. Only assignments quantize, in the
order the template assigns: a product into accum_t, the bias into accum_t, each `acc += mult` into
accum_t, the result into res_t.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hls.emulate.fixed import MAX_BITS, NotEmulated, frac_bits, from_float, quantize


@dataclass
class Fixed:
    """A batch of fixed-point values: q (N, elements) int64, value q * 2**-frac."""
    q: np.ndarray
    frac: int


def _ints(values, t) -> np.ndarray:
    """Weights as written (decimal literals) to integers of type t, as the C++ compiler converts them:
    the literal to a double, the double to t with t's quantization and overflow modes."""
    return from_float(np.asarray(values, np.float64), t)


def _weights(layer, n_in, n_out):
    """(weights (n_in, n_out), their fractional bits, bias or None, its fractional bits) as integers."""
    wt, bt = layer.typed("weight_t"), layer.typed("bias_t")
    if wt is None:
        raise NotEmulated(f"{layer.name}: no weight type")
    try:
        w, b = layer.kernel(n_in, n_out)
    except KeyError as e:
        raise NotEmulated(str(e)) from None
    bq = _ints(b, bt) if b is not None and bt is not None else None
    return _ints(w, wt), frac_bits(wt), bq, (frac_bits(bt) if bt is not None else 0)


def _product_kind(layer):
    mc = layer.mult_config or {}
    kind = str(mc.get("product") or layer.config.get("product") or "mult")
    if "mult" not in kind or "exponential" in kind or "binary" in kind or "ternary" in kind:
        raise NotEmulated(f"{layer.name}: product {kind} is not emulated")


def _kernel(layer, x: np.ndarray, x_frac: int, n_in: int, n_out: int) -> Fixed:
    """nnet_dense_latency.h on rows of x (M, n_in): mult = data * weight into accum_t; acc = bias into
    accum_t; acc += mult, in input order, into accum_t; res = acc into res_t."""
    _product_kind(layer)
    if layer.strategy == "resource" and _saturating(layer.typed("accum_t")):
        raise NotEmulated(f"{layer.name}: a saturating accumulator under the Resource strategy "
                          "(its accumulation order) is not emulated")
    w, w_frac, b, b_frac = _weights(layer, n_in, n_out)
    acc_t = layer.typed("accum_t") or layer.output_type
    acc_f = frac_bits(acc_t)
    p_frac = x_frac + w_frac
    bits = int(np.abs(x).max(initial=0)).bit_length() + int(np.abs(w).max(initial=0)).bit_length()
    if bits + max(n_in, 1).bit_length() + max(acc_f - p_frac, 0) + 1 > MAX_BITS:
        raise NotEmulated(f"{layer.name}: products of {bits} bits exceed the exact int64 range")
    acc = quantize(np.broadcast_to(b if b is not None else np.zeros(n_out, np.int64), (len(x), n_out)), b_frac, acc_t)
    if _exact_sum(acc_t, p_frac, acc_f):  # wrap-around sums are associative: one matrix product
        acc = quantize(acc + (exact_matmul(x, w) << (acc_f - p_frac)), acc_f, acc_t)
        return Fixed(quantize(acc, acc_f, layer.output_type), frac_bits(layer.output_type))
    for i in range(n_in):  # product by product, in the template's order
        m = quantize(x[:, i:i + 1] * w[i][None, :], p_frac, acc_t)
        acc = quantize(acc + m, acc_f, acc_t)
    return Fixed(quantize(acc, acc_f, layer.output_type), frac_bits(layer.output_type))


def exact_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x @ w of integer arrays, exactly, at BLAS speed where floating point is exact: every product and
    every partial sum (in any order) is an integer no larger than max|x| * max_j sum_i |w_ij|, exact in
    float32 below 2**24 and in float64 below 2**53; beyond that numpy's int64 product."""
    bound = int(np.abs(x).max(initial=0)) * int(np.abs(w).sum(axis=0).max(initial=0))
    for dtype, bits in ((np.float32, 24), (np.float64, 53)):
        if bound < 2 ** bits:
            return (x.astype(dtype) @ w.astype(dtype)).astype(np.int64)
    return x @ w


def _saturating(t) -> bool:
    return t is not None and t.saturation != "WRAP"


def _exact_sum(acc_t, p_frac, acc_f) -> bool:
    """Summing all products at once equals the template's step-by-step assignments when no product is
    rounded (accum_t keeps its fractional bits) and overflow wraps (modular sums are associative)."""
    return p_frac <= acc_f and not _saturating(acc_t)


def dense(layer, inputs):
    (x,) = inputs
    c = layer.config
    return _kernel(layer, x.q, x.frac, int(c["n_in"]), int(c["n_out"]))


def _windows(c: dict, q: np.ndarray, pad_value=0):
    """im2col of channels-last images (N, H*W*C) -> (N, out_pixels, fh*fw*C), window order (kh, kw, c),
    output pixels row-major (the order hls4ml's fill_buffer and line buffer produce), from a conv
    config `c`."""
    two_d = "filt_height" in c or "in_height" in c
    h, w = int(c.get("in_height") or 1), int(c.get("in_width") or 1)
    ch = int(c.get("n_chan") or 1)
    fh, fw = (int(c.get("filt_height") or 1) if two_d else 1), int(c.get("filt_width") or 1)
    sh, sw = (int(c.get("stride_height") or 1) if two_d else 1), int(c.get("stride_width") or 1)
    pt, pb = (int(c.get("pad_top") or 0), int(c.get("pad_bottom") or 0)) if two_d else (0, 0)
    pl, pr = int(c.get("pad_left") or 0), int(c.get("pad_right") or 0)
    oh, ow = (int(c.get("out_height") or 1) if two_d else 1), int(c.get("out_width") or 1)
    img = q.reshape(len(q), h, w, ch)
    if pt or pb or pl or pr:
        img = np.pad(img, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=pad_value)
    cols = np.empty((len(q), oh, ow, fh, fw, ch), np.int64)
    for kh in range(fh):
        for kw in range(fw):
            cols[:, :, :, kh, kw, :] = img[:, kh:kh + sh * (oh - 1) + 1:sh, kw:kw + sw * (ow - 1) + 1:sw, :]
    return cols.reshape(len(q), oh * ow, fh * fw * ch), fh * fw, ch


def conv(layer, inputs):
    """nnet_conv1d/2d and pointwise (latency, resource, line buffer or im2col): the dense kernel at every
    output pixel."""
    (x,) = inputs
    if layer.function.startswith("depthwise"):
        return depthwise(layer, x)
    cols, _, _ = _windows(layer.config, x.q)
    n, px, k = cols.shape
    n_filt = int(layer.config.get("n_filt") or 1)
    out = _kernel(layer, cols.reshape(n * px, k), x.frac, k, n_filt)
    return Fixed(out.q.reshape(n, px * n_filt), out.frac)


def depthwise(layer, x: Fixed) -> Fixed:
    """nnet_sepconv*_*: depth multiplier 1, each channel its own fh x fw kernel; mult = data * weight
    into accum_t, acc = bias, acc += mult over the window, res = acc."""
    _product_kind(layer)
    cols, k, ch = _windows(layer.config, x.q)
    n, px, _ = cols.shape
    w, w_frac, b, b_frac = _weights(layer, k, ch)  # (window, channel): weights[i_in] with i_in = k * ch + c
    acc_t = layer.typed("accum_t") or layer.output_type
    acc_f, p_frac = frac_bits(acc_t), x.frac + w_frac
    prod = cols.reshape(n, px, k, ch) * w[None, None]
    mult = quantize(prod, p_frac, acc_t)
    acc = quantize(np.broadcast_to(b if b is not None else np.zeros(ch, np.int64), (n, px, ch)), b_frac, acc_t)
    for i in range(k):
        acc = quantize(acc + mult[:, :, i, :], acc_f, acc_t)
    out = quantize(acc, acc_f, layer.output_type)
    return Fixed(out.reshape(n, px * ch), frac_bits(layer.output_type))


def padding(layer, inputs):
    """nnet_padding(_stream).h: zeros around the image, values copied into the output type."""
    (x,) = inputs
    c = layer.config
    ch = int(c.get("n_chan") or 1)
    h, w = int(c.get("in_height") or 1), int(c.get("in_width") or 1)
    img = x.q.reshape(len(x.q), h, w, ch)
    pads = ((0, 0), (int(c.get("pad_top") or 0), int(c.get("pad_bottom") or 0)),
            (int(c.get("pad_left") or 0), int(c.get("pad_right") or 0)), (0, 0))
    out = np.pad(img, pads).reshape(len(x.q), -1)
    return Fixed(quantize(out, x.frac, layer.output_type), frac_bits(layer.output_type))


def identity(layer, inputs):  # clone/repack streams: the same values (repacked into beats)
    (x,) = inputs
    t = layer.output_type
    return Fixed(quantize(x.q, x.frac, t), frac_bits(t)) if t is not None else x


def normalize(layer, inputs):
    """nnet_batchnorm(_stream).h: res = data * scale + bias, in full precision, into res_t (per channel
    when n_filt is set, else per element)."""
    (x,) = inputs
    st, bt = layer.typed("scale_t"), layer.typed("bias_t")
    s_name = next((k for k in layer.weights if k.startswith("s")), None)
    b_name = next((k for k in layer.weights if k.startswith("b")), None)
    if st is None or s_name is None:
        raise NotEmulated(f"{layer.name}: no scale")
    scale = _ints(layer.weights[s_name], st)
    p_frac = x.frac + frac_bits(st)
    has_bias = b_name is not None and bt is not None
    bias, b_frac = (_ints(layer.weights[b_name], bt), frac_bits(bt)) if has_bias else (np.zeros_like(scale), p_frac)
    n = x.q.shape[1]
    n_filt = int(layer.config.get("n_filt") or -1)
    idx = np.arange(n) % n_filt if n_filt > 0 else np.arange(n)
    f = max(p_frac, b_frac)
    v = ((x.q * scale[idx]) << (f - p_frac)) + (bias[idx] << (f - b_frac))
    return Fixed(quantize(v, f, layer.output_type), frac_bits(layer.output_type))


def global_pooling(layer, inputs):
    """nnet_pooling global max/average over all pixels, per channel, via accum_t into res_t."""
    (x,) = inputs
    c = layer.config
    ch = int(c.get("n_filt") or 1)
    v = x.q.reshape(len(x.q), -1, ch)
    acc_t = layer.typed("accum_t") or layer.output_type
    if _op(layer) == "max":
        m = quantize(v.max(axis=1), x.frac, acc_t)
        return Fixed(quantize(m, frac_bits(acc_t), layer.output_type), frac_bits(layer.output_type))
    return Fixed(_average(v, x.frac, acc_t, v.shape[1], layer), frac_bits(layer.output_type))


def _op(layer) -> str:
    op = str(layer.config.get("pool_op", "Max")).split("::")[-1].lower()
    if op not in ("max", "average"):
        raise NotEmulated(f"{layer.name}: pooling operation {op} is not emulated")
    return op


def _average(v, frac, acc_t, count, layer):
    """avg(): y = 0 in accum_t, y += x (into accum_t), y /= count (the quotient truncated toward zero at
    accum_t's fractional bits), then into res_t."""
    acc_f = frac_bits(acc_t)
    y = np.zeros(v.shape[:1] + v.shape[2:], np.int64)
    for i in range(v.shape[1]):
        y = quantize(y + (quantize(v[:, i], frac, acc_t)), acc_f, acc_t)
    q = np.sign(y) * (np.abs(y) // np.asarray(count, np.int64))
    return quantize(quantize(q, acc_f, acc_t), acc_f, layer.output_type)


def merge(layer, inputs):
    """nnet_merge(_stream).h: element-wise add/subtract/multiply/average/maximum/minimum in full
    precision into res_t (an input shorter than the output repeats, data[ii % n_elem]); concatenate
    copies each input into res_t along its axis."""
    t, f_out = layer.output_type, frac_bits(layer.output_type)
    fn = layer.function
    if fn.startswith("concatenate"):
        return _concatenate(layer, inputs)
    a, b = inputs
    n = max(a.q.shape[1], b.q.shape[1])
    qa, qb = (np.resize(v.q, (len(v.q), n)) if v.q.shape[1] != n else v.q for v in (a, b))
    f = max(a.frac, b.frac)
    xa, xb = qa << (f - a.frac), qb << (f - b.frac)
    if fn == "add":
        return Fixed(quantize(xa + xb, f, t), f_out)
    if fn == "subtract":
        return Fixed(quantize(xa - xb, f, t), f_out)
    if fn == "average":  # (data1 + data2) * ap_ufixed<1,0>(0.5): one more fractional bit, exact
        return Fixed(quantize(xa + xb, f + 1, t), f_out)
    if fn == "multiply":
        return Fixed(quantize(qa * qb, a.frac + b.frac, t), f_out)
    if fn in ("maximum", "minimum"):
        pick = (xa > xb) if fn == "maximum" else (xa < xb)
        return Fixed(np.where(pick, quantize(qa, a.frac, t), quantize(qb, b.frac, t)), f_out)
    raise NotEmulated(f"{layer.name}: nnet::{fn} is not emulated")


def _concatenate(layer, inputs):
    c, t = layer.config, layer.output_type
    dims = 3 if layer.function.endswith("3d") else 2 if layer.function.endswith("2d") else 1
    shapes = [[int(c.get(f"n_elem{i}_{d}") or 1) for d in range(dims)] if dims > 1 else [v.q.shape[1]]
              for i, v in zip((1, 2), inputs)]
    axis = int(c.get("axis", -1))  # Keras' axis, batch included (nnet_merge.h: 3 or -1 is the last of 3d)
    ax = 0 if dims == 1 else {(3, 3): 2, (3, -1): 2, (3, 2): 1, (3, -2): 1, (2, 2): 1, (2, -1): 1}.get((dims, axis), 0)
    parts = [quantize(v.q, v.frac, t).reshape(len(v.q), *shape) for v, shape in zip(inputs, shapes)]
    out = np.concatenate(parts, axis=ax + 1).reshape(len(parts[0]), -1)
    return Fixed(out, frac_bits(t))


def relu(layer, inputs):
    (x,) = inputs
    return Fixed(quantize(np.maximum(x.q, 0), x.frac, layer.output_type), frac_bits(layer.output_type))


def linear(layer, inputs):
    (x,) = inputs
    return Fixed(quantize(x.q, x.frac, layer.output_type), frac_bits(layer.output_type))


def pooling(layer, inputs):
    """nnet_pooling.h: max pooling takes the window maximum into accum_t, then res_t (padding: the most
    negative value of the input type); average pooling is avg() over the window (_average)."""
    (x,) = inputs
    c = layer.config
    op = _op(layer)
    t = layer.input_type
    most_negative = -(1 << (int(t.width) - 1)) if t.signed else 0
    cfg = {**c, "filt_height": c.get("pool_height", 1), "filt_width": c.get("pool_width", 1),
           "n_chan": c.get("n_filt", 1)}
    if "in_width" not in c:  # pooling1d_config: n_in / n_out pixels
        cfg.update(in_width=c.get("n_in"), out_width=c.get("n_out"))
    cols, k, ch = _windows(cfg, x.q, most_negative if op == "max" else 0)
    n, px, _ = cols.shape
    acc_t = layer.typed("accum_t") or layer.output_type
    if op == "average":
        if any(int(c.get(p) or 0) for p in ("pad_top", "pad_bottom", "pad_left", "pad_right")):
            raise NotEmulated(f"{layer.name}: padded average pooling is not emulated")
        win = cols.reshape(n * px, k, ch)
        out = _average(win, x.frac, acc_t, k, layer)
        return Fixed(out.reshape(n, px * ch), frac_bits(layer.output_type))
    m = cols.reshape(n, px, k, ch).max(axis=2)
    m = quantize(m, x.frac, acc_t)
    return Fixed(quantize(m, frac_bits(acc_t), layer.output_type).reshape(n, px * ch), frac_bits(layer.output_type))


EMULATORS = {
    "dense": dense, "dense_latency": dense, "dense_resource": dense,
    "conv_1d_cl": conv, "conv_2d_cl": conv,
    "relu": relu, "linear": linear,
    "pooling1d_cl": pooling, "pooling2d_cl": pooling,
    "global_pooling1d_cl": global_pooling, "global_pooling2d_cl": global_pooling,
    "pointwise_conv_1d_cl": conv, "pointwise_conv_2d_cl": conv,
    "depthwise_conv_1d_cl": conv, "depthwise_conv_2d_cl": conv,
    "zeropad1d_cl": padding, "zeropad2d_cl": padding, "normalize": normalize,
    "clone_stream": identity, "repack_stream": identity,
    **{fn: merge for fn in ("add", "subtract", "multiply", "average", "maximum", "minimum",
                            "concatenate1d", "concatenate2d", "concatenate3d")},
}
