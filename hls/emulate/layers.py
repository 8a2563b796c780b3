"""One emulator per nnet function of a written project, as EMULATORS maps it (hls4ml's templates in
nnet_utils, arithmetic only): each takes the layer (hls/project.py FwLayer) and its input values
`Fixed(q, frac)` for a whole batch and returns its output values. Only assignments quantize, in the
order the template assigns: a product into accum_t, the bias into accum_t, each `acc += mult` into
accum_t, the result into res_t.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from hls.emulate.fixed import (FLOAT_ROUNDING, NotEmulated, as_carrier, carrier, frac_bits, from_float, holds, quantize,
                               shift_left, shift_right, wider)


@dataclass
class Fixed:
    """A batch of fixed-point values: q (N, elements) integers in a carrier (fixed.carrier), value
    q * 2**-frac, |q| <= 2**bits (the width of the type they were assigned to)."""
    q: np.ndarray
    frac: int
    bits: int


def typed(q: np.ndarray, frac: int, t) -> Fixed:
    """Values q * 2**-frac assigned to type t."""
    return Fixed(quantize(q, frac, t), frac_bits(t), int(t.width))


def _bits(v) -> int:
    return int(v).bit_length()


def literal_ints(values, t) -> np.ndarray:
    """Weights as written (decimal literals) to integers of type t, as the C++ compiler converts them:
    the literal to a double, the double to t with t's quantization and overflow modes."""
    return from_float(np.asarray(values, np.float64), t)


def memo(owner, key, make):
    """Constants derived from a layer or project (weights as integers, their bounds, the schedule),
    computed once per object: the emulator reads a project and its layers, never changes them."""
    cache = vars(owner).setdefault("_emulation", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


@dataclass
class Weights:
    """A kernel's weights as the firmware holds them: (n_in, n_out) integers in the weight type's carrier
    with their fractional bits, the bias (n_out,) or None with its own, and bounds of the weights."""
    w: np.ndarray
    w_frac: int
    b: np.ndarray | None
    b_frac: int
    max_bits: int  # bits of the largest |weight|
    reach: int  # max over outputs of sum_i |w_ij|: with |x| < 2**k, every partial sum is below reach << k


def kernel_weights(layer, n_in, n_out) -> Weights:
    return memo(layer, ("weights", n_in, n_out), lambda: _read_weights(layer, n_in, n_out))


def _read_weights(layer, n_in, n_out) -> Weights:
    wt, bt = layer.typed("weight_t"), layer.typed("bias_t")
    if wt is None:
        raise NotEmulated(f"{layer.name}: no weight type")
    try:
        w, b = layer.kernel(n_in, n_out)
    except KeyError as e:
        raise NotEmulated(str(e)) from None
    bq = literal_ints(b, bt) if b is not None and bt is not None else None
    wq = literal_ints(w, wt)
    wi = np.abs(wq if wq.dtype == object else wq.astype(np.int64))
    return Weights(wq, frac_bits(wt), bq, frac_bits(bt) if bt is not None else 0,
                   _bits(wi.max(initial=0)), int(wi.sum(axis=0).max(initial=0)))


def check_product(layer):
    mc = layer.mult_config or {}
    kind = str(mc.get("product") or layer.config.get("product") or "mult")
    if "mult" not in kind or "exponential" in kind or "binary" in kind or "ternary" in kind:
        raise NotEmulated(f"{layer.name}: product {kind} is not emulated")


def _kernel(layer, x: np.ndarray, x_frac: int, x_bits: int, n_in: int, n_out: int, columns=False) -> Fixed:
    """nnet_dense_latency.h on rows of x (M, n_in): mult = data * weight into accum_t; acc = bias into
    accum_t; acc += mult, in input order, into accum_t; res = acc into res_t. columns: x is given as
    (n_in, M) and the result is (n_out, M)."""
    check_product(layer)
    acc_t = layer.typed("accum_t") or layer.output_type
    if layer.strategy == "resource" and saturating(acc_t):
        raise NotEmulated(f"{layer.name}: a saturating accumulator under the Resource strategy "
                          "(its accumulation order) is not emulated")
    k = kernel_weights(layer, n_in, n_out)
    acc_f, acc_w = frac_bits(acc_t), int(acc_t.width)
    p_frac = x_frac + k.w_frac
    if columns and not exact_sum(acc_t, p_frac, acc_f):  # the per-product paths work on rows
        out = _kernel(layer, x.T, x_frac, x_bits, n_in, n_out)
        return Fixed(np.ascontiguousarray(out.q.T), out.frac, out.bits)
    bias = memo(layer, ("bias", acc_t), lambda: quantize(k.b if k.b is not None else np.zeros(n_out, np.int64),
                                                          k.b_frac, acc_t))
    if exact_sum(acc_t, p_frac, acc_f):  # wrap-around sums are associative: one matrix product
        reach = _bits(k.reach << x_bits)  # any partial sum's bound
        shift = acc_f - p_frac
        dt = carrier(max(reach + shift, acc_w) + 1)
        if columns:
            acc = shift_left(as_carrier(matmul(k.w.T, x, reach), dt), shift)
            acc += as_carrier(bias, dt)[:, None]  # in place along long rows
        else:
            acc = shift_left(as_carrier(matmul(x, k.w, reach), dt), shift)
            add_per_column(acc, as_carrier(bias, dt))
    elif not saturating(acc_t):  # rounded products, then a wrap-around (associative) sum
        acc = _rounded_sum(x, k.w, x_bits + k.max_bits, p_frac - acc_f, acc_t, bias)
    else:  # product by product, in the template's order
        dt, pdt = carrier(acc_w + 1), carrier(x_bits + k.max_bits)
        acc = np.broadcast_to(bias, (len(x), n_out))
        xp, wp = as_carrier(x, pdt), as_carrier(k.w, pdt)
        for i in range(n_in):
            m = quantize(xp[:, i:i + 1] * wp[i][None, :], p_frac, acc_t)
            acc = quantize(as_carrier(acc, dt) + as_carrier(m, dt), acc_f, acc_t)
    out_t = layer.output_type
    return Fixed(quantize(quantize(acc, acc_f, acc_t), acc_f, out_t, source=acc_t), frac_bits(out_t), int(out_t.width))


def add_per_column(a: np.ndarray, v: np.ndarray) -> None:
    """a (M, n) += v (n,), in place (a is a fresh array). numpy broadcasts a short last axis one row at
    a time, so rows are grouped into long ones against v repeated."""
    m, n = a.shape
    g = next(g for g in (256, 64, 16, 4, 1) if m % g == 0)
    a.reshape(m // g, g * n)[...] += np.tile(v, g)


def _rounded_sum(x, w, p_bits, s, acc_t, bias):
    """bias + sum_i (x_i * w_i rounded by s bits with accum_t's quantization mode), exact; accum_t's
    wrap-around applied by the caller (per product or once at the end: the same modular sum)."""
    n_in, n_out = w.shape
    pdt = carrier(p_bits)
    dt = wider(carrier(max(p_bits - s + 1 + _bits(n_in), int(acc_t.width)) + 1), pdt)
    acc = np.array(np.broadcast_to(as_carrier(bias, dt), (len(x), n_out)))
    columns = as_carrier(np.ascontiguousarray(x.T), pdt)  # x_i for every row, contiguous
    rnd = FLOAT_ROUNDING.get(acc_t.rounding) if np.dtype(pdt).kind == "f" else None
    if rnd is None:
        for i in range(n_in):
            acc += as_carrier(shift_right(columns[i][:, None] * as_carrier(w[i], pdt), s, acc_t.rounding), dt)
        return acc
    scaled = w.astype(pdt) * pdt(2.0 ** -s)  # x * (w / 2**s): exact, the product's bits below the point
    buf = np.empty((len(x), n_out), pdt)
    for i in range(n_in):
        np.multiply(columns[i][:, None], scaled[i], out=buf)
        rnd(buf, out=buf)
        acc += buf
    return acc


def matmul(x: np.ndarray, w: np.ndarray, bits: int) -> np.ndarray:
    """x @ w of integer arrays whose every partial sum is below 2**bits in magnitude, exactly: in
    float32 (BLAS) up to 24 bits, float64 up to 53, numpy's int64 product beyond."""
    dt = carrier(bits)
    return as_carrier(x, dt) @ as_carrier(w, dt)


def saturating(t) -> bool:
    return t is not None and t.saturation != "WRAP"


def exact_sum(acc_t, p_frac, acc_f) -> bool:
    """Summing all products at once equals the template's step-by-step assignments when no product is
    rounded (accum_t keeps its fractional bits) and overflow wraps (modular sums are associative)."""
    return p_frac <= acc_f and not saturating(acc_t)


def dense(layer, inputs):
    (x,) = inputs
    c = layer.config
    return _kernel(layer, x.q, x.frac, x.bits, int(c["n_in"]), int(c["n_out"]))


def geometry(c: dict):
    """(in h, w, channels, filter h, w, stride h, w, pads (top, bottom, left, right), out h, w) of a
    conv/pooling config `c` (1D: height 1)."""
    two_d = "filt_height" in c or "in_height" in c
    g = lambda key, default=1: int(c.get(key) or default)  # noqa: E731
    return (g("in_height") if two_d else 1, g("in_width"), g("n_chan"),
            g("filt_height") if two_d else 1, g("filt_width"),
            g("stride_height") if two_d else 1, g("stride_width"),
            (g("pad_top", 0), g("pad_bottom", 0)) if two_d else (0, 0), (g("pad_left", 0), g("pad_right", 0)),
            g("out_height") if two_d else 1, g("out_width"))


def _padded(c: dict, q: np.ndarray, pad_value=0):
    """Channels-last images q (N, H*W*C) as (N, H, W, C) with the config's padding, and the geometry."""
    h, w, ch, fh, fw, sh, sw, (pt, pb), (pl, pr), oh, ow = g = geometry(c)
    img = q.reshape(len(q), h, w, ch)
    if pt or pb or pl or pr:
        img = np.pad(img, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=pad_value)
    return img, g


def _window_views(c: dict, q: np.ndarray, pad_value=0):
    """For each filter position (kh, kw), row-major: the (N, out_h, out_w, C) view of channels-last
    images q (N, H*W*C) that position reads at every output pixel."""
    img, (_, _, _, fh, fw, sh, sw, _, _, oh, ow) = _padded(c, q, pad_value)
    return [img[:, kh:kh + sh * (oh - 1) + 1:sh, kw:kw + sw * (ow - 1) + 1:sw, :]
            for kh in range(fh) for kw in range(fw)]


def _window_max(c: dict, q: np.ndarray, pad_value) -> np.ndarray:
    """(N, out_h, out_w, C) maximum over every window: first over the window's rows (whole image rows,
    long contiguous runs), then over its columns."""
    img, (_, _, _, fh, fw, sh, sw, _, _, oh, ow) = _padded(c, q, pad_value)
    rows = functools.reduce(np.maximum, [img[:, kh:kh + sh * (oh - 1) + 1:sh] for kh in range(fh)])
    return functools.reduce(np.maximum, [rows[:, :, kw:kw + sw * (ow - 1) + 1:sw] for kw in range(fw)])


def _windows(c: dict, q: np.ndarray, pad_value=0):
    """im2col of channels-last images (N, H*W*C) -> (N, out_pixels, fh*fw*C), window order (kh, kw, c),
    output pixels row-major (the order hls4ml's fill_buffer and line buffer produce)."""
    img, (_, _, ch, fh, fw, sh, sw, _, _, oh, ow) = _padded(c, q, pad_value)
    n = len(img)
    if ch == 1:  # one value per position: each position's view copied whole (long runs), the matrix
        cols = np.empty((fh * fw, n, oh, ow), q.dtype)  # returned transposed (BLAS reads it as it is)
        for i, v in enumerate(_window_views(c, q, pad_value)):
            cols[i] = v[..., 0]
        return cols.reshape(fh * fw, n * oh * ow).T.reshape(n, oh * ow, fh * fw), fh * fw, ch
    else:  # a window row (kw, c) is contiguous in the image: one strided copy of whole rows
        img = np.ascontiguousarray(img)
        s_n, s_h, s_w, s_c = img.strides
        rows = as_strided(img, (n, oh, ow, fh, fw * ch), (s_n, sh * s_h, sw * s_w, s_h, s_c), writeable=False)
        cols = np.ascontiguousarray(rows)
    return cols.reshape(n, oh * ow, fh * fw * ch), fh * fw, ch


def conv(layer, inputs):
    """nnet_conv1d/2d and pointwise (latency, resource, line buffer or im2col): the dense kernel at every
    output pixel."""
    (x,) = inputs
    if layer.function.startswith("depthwise"):
        return depthwise(layer, x)
    cols, _, _ = _windows(layer.config, x.q)
    n, px, k = cols.shape
    n_filt = int(layer.config.get("n_filt") or 1)
    out = _kernel(layer, cols.reshape(n * px, k), x.frac, x.bits, k, n_filt)
    return Fixed(out.q.reshape(n, px * n_filt), out.frac, out.bits)


CONVOLUTIONS = ("conv_1d_cl", "conv_2d_cl", "pointwise_conv_1d_cl", "pointwise_conv_2d_cl")


def conv_pools(conv_layer, act, pool) -> bool:
    """Whether conv -> act -> pool is the block conv_act_pool computes: a (pointwise) convolution of a
    one-channel image (with more channels, the convolution then pooled_activation is as fast), an
    activation that may run after the pooling (pools_first), a max pooling whose windows do not overlap."""
    if conv_layer.function not in CONVOLUTIONS or int(conv_layer.config.get("n_chan") or 1) != 1:
        return False
    c = pool_config(pool)
    return pools_first(act, pool) and all(int(c.get(f"stride_{d}") or 1) == int(c.get(f"filt_{d}") or 1)
                                          for d in ("height", "width"))


def conv_act_pool(conv_layer, act, pool, x: Fixed) -> Fixed:
    """conv -> act -> max pooling (conv_pools must hold), channels-first: each filter position's window
    is a shifted view of the image (long copies), one matrix product gives every filter's outputs as
    long rows, the pooling is a maximum over strided views of them, and act runs on the maxima
    (pools_first); only the convolution outputs the pooling reads are computed. Channels-last again
    at the end, as the firmware's arrays are."""
    c, pc = conv_layer.config, pool_config(pool)
    _, _, _, fh, fw, sh, sw, _, _, _, _ = geometry(c)
    ph, pw = int(pc.get("filt_height") or 1), int(pc.get("filt_width") or 1)
    uh, uw = int(pc.get("out_height") or 1) * ph, int(pc.get("out_width") or 1) * pw  # outputs pooled
    n, n_filt = len(x.q), int(c.get("n_filt") or 1)
    img = _padded(c, x.q)[0][..., 0]
    cols = np.empty((fh, fw, n, uh, uw), x.q.dtype)
    for kh in range(fh):
        for kw in range(fw):
            cols[kh, kw] = img[:, kh:kh + sh * (uh - 1) + 1:sh, kw:kw + sw * (uw - 1) + 1:sw]
    out = _kernel(conv_layer, cols.reshape(fh * fw, -1), x.frac, x.bits, fh * fw, n_filt, columns=True)
    flat = out.q.reshape(-1)  # (filter, sample, row, column): a window's columns are neighbours
    cols_max = functools.reduce(np.maximum, [flat[dx::pw] for dx in range(pw)]).reshape(-1, ph, uw // pw)
    m = functools.reduce(np.maximum, [cols_max[:, dy] for dy in range(ph)]).reshape(n_filt, n, uh // ph, uw // pw)
    y = EMULATORS[act.function](act, [Fixed(m, out.frac, out.bits)])
    pooled = _max_pool_out(pool, y.q, y.frac)
    return Fixed(np.ascontiguousarray(pooled.q.transpose(1, 2, 3, 0)).reshape(n, -1), pooled.frac, pooled.bits)


def depthwise(layer, x: Fixed) -> Fixed:
    """nnet_sepconv*_*: depth multiplier 1, each channel its own fh x fw kernel; mult = data * weight
    into accum_t, acc = bias, acc += mult over the window, res = acc."""
    check_product(layer)
    cols, k, ch = _windows(layer.config, x.q)
    n, px, _ = cols.shape
    kw = kernel_weights(layer, k, ch)  # (window, channel): weights[i_in] with i_in = k * ch + c
    acc_t = layer.typed("accum_t") or layer.output_type
    acc_f, p_frac = frac_bits(acc_t), x.frac + kw.w_frac
    pdt, dt = carrier(x.bits + kw.max_bits), carrier(int(acc_t.width) + 1)
    mult = quantize(as_carrier(cols.reshape(n, px, k, ch), pdt) * as_carrier(kw.w, pdt)[None, None], p_frac, acc_t)
    acc = np.broadcast_to(quantize(kw.b if kw.b is not None else np.zeros(ch, np.int64), kw.b_frac, acc_t), (n, px, ch))
    for i in range(k):
        acc = quantize(as_carrier(acc, dt) + as_carrier(mult[:, :, i, :], dt), acc_f, acc_t)
    return typed(acc.reshape(n, px * ch), acc_f, layer.output_type)


def padding(layer, inputs):
    """nnet_padding(_stream).h: zeros around the image, values copied into the output type."""
    (x,) = inputs
    c = layer.config
    ch = int(c.get("n_chan") or 1)
    h, w = int(c.get("in_height") or 1), int(c.get("in_width") or 1)
    img = x.q.reshape(len(x.q), h, w, ch)
    pads = ((0, 0), (int(c.get("pad_top") or 0), int(c.get("pad_bottom") or 0)),
            (int(c.get("pad_left") or 0), int(c.get("pad_right") or 0)), (0, 0))
    return typed(np.pad(img, pads).reshape(len(x.q), -1), x.frac, layer.output_type)


def identity(layer, inputs):  # clone/repack streams: the same values (repacked into beats)
    (x,) = inputs
    return typed(x.q, x.frac, layer.output_type) if layer.output_type is not None else x


def normalize(layer, inputs):
    """nnet_batchnorm(_stream).h: res = data * scale + bias, in full precision, into res_t (per channel
    when n_filt is set, else per element)."""
    (x,) = inputs
    st, bt = layer.typed("scale_t"), layer.typed("bias_t")
    s_name = next((k for k in layer.weights if k.startswith("s")), None)
    b_name = next((k for k in layer.weights if k.startswith("b")), None)
    if st is None or s_name is None:
        raise NotEmulated(f"{layer.name}: no scale")
    scale = literal_ints(layer.weights[s_name], st)
    p_frac = x.frac + frac_bits(st)
    has_bias = b_name is not None and bt is not None
    bias, b_frac = (literal_ints(layer.weights[b_name], bt), frac_bits(bt)) if has_bias else (np.zeros_like(scale), p_frac)
    n = x.q.shape[1]
    n_filt = int(layer.config.get("n_filt") or -1)
    idx = np.arange(n) % n_filt if n_filt > 0 else np.arange(n)
    f = max(p_frac, b_frac)
    dt = carrier(max(x.bits + int(st.width) + f - p_frac, (int(bt.width) if has_bias else 0) + f - b_frac) + 1)
    v = shift_left(as_carrier(x.q, dt) * as_carrier(scale[idx], dt), f - p_frac) + shift_left(as_carrier(bias[idx], dt), f - b_frac)
    return typed(v, f, layer.output_type)


def global_pooling(layer, inputs):
    """nnet_pooling global max/average over all pixels, per channel, via accum_t into res_t."""
    (x,) = inputs
    ch = int(layer.config.get("n_filt") or 1)
    v = x.q.reshape(len(x.q), -1, ch)
    acc_t = layer.typed("accum_t") or layer.output_type
    if pool_op(layer) == "max":
        return typed(quantize(v.max(axis=1), x.frac, acc_t), frac_bits(acc_t), layer.output_type)
    return _average([v[:, i] for i in range(v.shape[1])], x.frac, acc_t, layer)


def pool_op_name(layer) -> str:
    return str(layer.config.get("pool_op", "Max")).split("::")[-1].lower()


def pool_op(layer) -> str:
    op = pool_op_name(layer)
    if op not in ("max", "average"):
        raise NotEmulated(f"{layer.name}: pooling operation {op} is not emulated")
    return op


def _average(terms, frac, acc_t, layer) -> Fixed:
    """avg() over `terms` (arrays of one shape): y = 0 in accum_t, y += x (into accum_t), y /= count
    (the quotient truncated toward zero at accum_t's fractional bits), then into res_t."""
    acc_f, dt = frac_bits(acc_t), carrier(int(acc_t.width) + 1)
    y = np.zeros(terms[0].shape, dt)
    for term in terms:
        y = as_carrier(quantize(y + as_carrier(quantize(term, frac, acc_t), dt), acc_f, acc_t), dt)
    y = as_carrier(y, wider(y.dtype, np.int64))
    q = np.sign(y) * (np.abs(y) // len(terms))
    return typed(quantize(q, acc_f, acc_t), acc_f, layer.output_type)


def merge(layer, inputs):
    """nnet_merge(_stream).h: element-wise add/subtract/multiply/average/maximum/minimum in full
    precision into res_t (an input shorter than the output repeats, data[ii % n_elem]); concatenate
    copies each input into res_t along its axis."""
    t, fn = layer.output_type, layer.function
    if fn.startswith("concatenate"):
        return _concatenate(layer, inputs)
    a, b = inputs
    n = max(a.q.shape[1], b.q.shape[1])
    qa, qb = (np.resize(v.q, (len(v.q), n)) if v.q.shape[1] != n else v.q for v in (a, b))
    f = max(a.frac, b.frac)
    dt = carrier(max(a.bits + f - a.frac, b.bits + f - b.frac) + 1)
    xa, xb = shift_left(as_carrier(qa, dt), f - a.frac), shift_left(as_carrier(qb, dt), f - b.frac)
    if fn == "add":
        return typed(xa + xb, f, t)
    if fn == "subtract":
        return typed(xa - xb, f, t)
    if fn == "average":  # (data1 + data2) * ap_ufixed<1,0>(0.5): one more fractional bit, exact
        return typed(xa + xb, f + 1, t)
    if fn == "multiply":
        pdt = carrier(a.bits + b.bits)
        return typed(as_carrier(qa, pdt) * as_carrier(qb, pdt), a.frac + b.frac, t)
    if fn in ("maximum", "minimum"):
        pick = (xa > xb) if fn == "maximum" else (xa < xb)
        return Fixed(np.where(pick, quantize(qa, a.frac, t), quantize(qb, b.frac, t)), frac_bits(t), int(t.width))
    raise NotEmulated(f"{layer.name}: nnet::{fn} is not emulated")


def concat_layout(layer, sizes) -> tuple:
    """nnet_merge.h's concatenation of inputs with `sizes` values each: (each input's shape, the axis
    they are joined along, batch excluded)."""
    c = layer.config
    dims = 3 if layer.function.endswith("3d") else 2 if layer.function.endswith("2d") else 1
    if dims == 1:
        return [[n] for n in sizes], 0
    shapes = [[int(c.get(f"n_elem{i}_{d}") or 1) for d in range(dims)] for i in (1, 2)]
    axis = int(c.get("axis", -1))  # Keras' axis, batch included (nnet_merge.h: 3 or -1 is the last of 3d)
    return shapes, {(3, 3): 2, (3, -1): 2, (3, 2): 1, (3, -2): 1, (2, 2): 1, (2, -1): 1}.get((dims, axis), 0)


def _concatenate(layer, inputs):
    t = layer.output_type
    shapes, ax = concat_layout(layer, [v.q.shape[1] for v in inputs])
    parts = [quantize(v.q, v.frac, t).reshape(len(v.q), *shape) for v, shape in zip(inputs, shapes)]
    out = np.concatenate(parts, axis=ax + 1).reshape(len(parts[0]), -1)
    return Fixed(out, frac_bits(t), int(t.width))


def relu(layer, inputs):
    (x,) = inputs
    t = layer.output_type
    if not t.signed and t.saturation != "WRAP":  # negative values round to <= 0 and clamp to 0 anyway
        return typed(x.q, x.frac, t)
    return typed(np.maximum(x.q, 0), x.frac, t)


def linear(layer, inputs):
    (x,) = inputs
    return typed(x.q, x.frac, layer.output_type)


def pool_config(layer) -> dict:
    c = layer.config
    cfg = {**c, "filt_height": c.get("pool_height", 1), "filt_width": c.get("pool_width", 1),
           "n_chan": c.get("n_filt", 1)}
    if "in_width" not in c:  # pooling1d_config: n_in / n_out pixels
        cfg.update(in_width=c.get("n_in"), out_width=c.get("n_out"))
    return cfg


def padded_pool(layer) -> bool:
    return any(int(layer.config.get(p) or 0) for p in ("pad_top", "pad_bottom", "pad_left", "pad_right"))


def pooling(layer, inputs):
    """nnet_pooling.h: max pooling takes the window maximum into accum_t, then res_t (padding: the most
    negative value of the input type); average pooling is avg() over the window (_average)."""
    (x,) = inputs
    t = layer.input_type
    cfg, n = pool_config(layer), len(x.q)
    acc_t = layer.typed("accum_t") or layer.output_type
    if pool_op(layer) == "average":
        if padded_pool(layer):
            raise NotEmulated(f"{layer.name}: padded average pooling is not emulated")
        out = _average(_window_views(cfg, x.q), x.frac, acc_t, layer)
        return Fixed(out.q.reshape(n, -1), out.frac, out.bits)
    most_negative = -(1 << (int(t.width) - 1)) if t.signed else 0
    return _max_pool_out(layer, _window_max(cfg, x.q, most_negative).reshape(n, -1), x.frac)


def _max_pool_out(layer, m: np.ndarray, frac: int) -> Fixed:
    """The window maxima (values of the pool's input type) into accum_t, then res_t."""
    acc_t, out_t = layer.typed("accum_t") or layer.output_type, layer.output_type
    m = quantize(m, frac, acc_t, source=layer.input_type)
    return Fixed(quantize(m, frac_bits(acc_t), out_t, source=acc_t), frac_bits(out_t), int(out_t.width))


def pools_first(act, pool) -> bool:
    """Whether activation `act` then max pooling `pool` may run as the pooling then the activation:
    the maximum commutes with non-decreasing functions, and relu and every quantization mode are
    non-decreasing; wrap-around overflow is not (unless nothing can overflow), nor is padding kept."""
    if act.function not in ("relu", "linear") or not pool.function.startswith("pooling") or padded_pool(pool):
        return False
    if pool_op_name(pool) != "max" or act.output_type is None:
        return False
    t, s = act.output_type, act.input_type
    return t.saturation != "WRAP" or (s is not None and holds(t, s))


def pooled_activation(act, pool, x: Fixed) -> Fixed:
    """`act` then max pooling `pool`, computed as the pooling then `act` on 1/(pool size) of the values
    (pools_first must hold): the same values."""
    cfg = {**pool_config(pool), "n_chan": int(pool.config.get("n_filt") or 1)}
    n = len(x.q)
    y = EMULATORS[act.function](act, [Fixed(_window_max(cfg, x.q, 0).reshape(n, -1), x.frac, x.bits)])
    return _max_pool_out(pool, y.q, y.frac)


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
