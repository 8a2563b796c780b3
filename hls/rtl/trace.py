"""Trace a written hls4ml project into alkaid's combinational logic (`alkaid.trace`), layer by layer
as its top function calls them, with the types and weights the firmware holds (read by
hls/project.py, converted to integers as hls/emulate does): one source of truth, so the circuit
computes what the C simulation computes.

Every assignment of the templates is a quantization to the assigned type (its rounding and overflow
modes); sums and products are exact, as in hls/emulate. A kernel (dense, every output pixel of a
convolution) is one constant matrix-vector product solved by alkaid's CMVM solver, over the pixel's
window without the zero padding (zeros add nothing), its sum wrapped into accum_t once (a wrap-around
sum is associative: the template's step-by-step assignments give the same bits).

Layer: hls (reads hls/project.py and hls/emulate; imports nothing above hls).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from common.errors import L1CNNError
from hls.emulate.fixed import NotEmulated, frac_bits, from_float, quantize, to_float
from hls.emulate.layers import (EMULATORS, check_product, concat_layout, exact_sum, geometry, kernel_weights,
                                literal_ints, pool_config, pool_op, saturating)
from hls.project import HlsType, Project

__all__ = ["NotTraced", "Traced", "TRACERS", "trace_project", "untraceable"]

ROUNDING = ("TRN", "RND", "RND_CONV")  # the quantization modes alkaid's quantize expresses
OVERFLOW = ("WRAP", "SAT", "SAT_SYM")


class NotTraced(L1CNNError, ValueError):
    """A firmware construct the tracer cannot express as logic; the message names the layer."""


@dataclass
class Traced:
    """The project as logic: the input (FVArrayInput), every layer's output values (FVArray, flat,
    channels-last as the firmware's arrays) by layer name, and the output layer's name."""
    inputs: object
    layers: dict
    output: str
    input_type: HlsType

    def logic(self, layer: str | None = None):
        """alkaid CombLogic from the input to `layer`'s output (default: the project's output)."""
        from alkaid.trace import trace

        return trace(self.inputs, self.layers[layer or self.output])


def kif(t: HlsType) -> tuple[int, int, int]:
    """alkaid's (keep sign, integer bits without the sign, fractional bits) of an ap type."""
    k = int(t.signed)
    return k, int(t.integer) - k, int(t.width) - int(t.integer)


def assign(x, t: HlsType, layer: str):
    """Values x assigned to type t: t's quantization, then its overflow mode."""
    if t.lanes > 1:
        t = HlsType(t.width, t.integer, t.signed, t.rounding, t.saturation, 1, t.text)
    if not t.text.startswith("ap_") and not t.text.startswith("nnet::array<ap_"):
        raise NotTraced(f"{layer}: type {t.text or t} is not a fixed-point type; only ap_fixed/ap_int layers "
                        "become logic")
    if t.rounding not in ROUNDING or t.saturation not in OVERFLOW:
        raise NotTraced(f"{layer}: {t.text} uses AP_{t.rounding}/AP_{t.saturation}; the RTL flow expresses "
                        f"the quantization modes {', '.join('AP_' + m for m in ROUNDING)} and the overflow modes "
                        f"{', '.join('AP_' + m for m in OVERFLOW)}")
    k, i, f = kif(t)
    # constants (a pruned kernel's bias-only outputs) are assigned here, exactly as the firmware's
    # conversion does: alkaid's quantize mis-rounds or refuses some (a tie under AP_RND_CONV, a
    # negative constant wrapped into an unsigned type)
    src = np.asarray(x)
    flat = src.ravel()
    const = np.array([v.low == v.high for v in flat], bool)
    out = np.empty(flat.shape, dtype=object)
    for j in np.flatnonzero(const):
        out[j] = _const(to_float(from_float(np.array([flat[j].low]), t), f)[0], x)
    if not const.all():
        rest = _fv(flat[~const], x)
        out[~const] = np.asarray(rest.quantize(k=k, i=i, f=f, overflow_mode=t.saturation, round_mode=t.rounding))
    return _fv(out.reshape(src.shape), x)


def _fv(values, like):
    from alkaid.trace import FVArray

    return FVArray(np.asarray(values, dtype=object), like.solver_options, hwconf=like.hwconf)


def _const(value: float, like):
    from alkaid.trace.fixed_variable import FVariable

    return FVariable.from_const(float(value), hwconf=like.hwconf)


@dataclass
class Kernel:
    """A kernel's constants as the firmware holds them: weights (n_in, n_out) as weight_parts, the bias
    assigned to accum_t (n_out,), accum_t, and whether one exact sum equals the template's
    step-by-step assignments (no product bits dropped, wrap-around)."""
    parts: list
    bias: np.ndarray
    acc_t: HlsType
    exact: bool

    def rows(self, rows, cols=slice(None)) -> "Kernel":
        return Kernel([p[rows][:, cols] for p in self.parts], self.bias[cols], self.acc_t, self.exact)


def _constants(layer, n_in: int, n_out: int) -> Kernel:
    try:
        check_product(layer)
    except NotEmulated as e:
        raise NotTraced(str(e)) from None
    acc_t = layer.typed("accum_t") or layer.output_type
    k = kernel_weights(layer, n_in, n_out)
    bias = quantize(k.b if k.b is not None else np.zeros(n_out, np.int64), k.b_frac, acc_t)
    exact = exact_sum(acc_t, frac_bits(layer.input_type) + k.w_frac, frac_bits(acc_t))
    return Kernel(weight_parts(k.w, k.w_frac), to_float(bias, frac_bits(acc_t)), acc_t, exact)


SPLIT_BITS = 16  # alkaid's CMVM solver is exact for constants of up to ~22 significant bits (measured):
#                  wider weights are split into parts of SPLIT_BITS bits, one constant product each


def weight_parts(wq: np.ndarray, w_frac: int) -> list:
    """Integer weights wq (value wq * 2**-w_frac) as float matrices, each exact in alkaid's solver,
    that add up to the weights: the low SPLIT_BITS bits (non-negative), the next, ..., the signed rest."""
    rest = np.asarray(wq).astype(object) if np.asarray(wq).dtype == object else np.asarray(wq, np.int64)
    parts, shift = [], 0
    while True:
        if np.all(np.abs(rest.astype(np.float64)) < 2 ** SPLIT_BITS):
            parts.append(np.ldexp(rest.astype(np.float64), shift - w_frac))
            return [p for p in parts if np.any(p)] or [parts[-1]]
        low = rest % (1 << SPLIT_BITS)
        parts.append(np.ldexp(low.astype(np.float64), shift - w_frac))
        rest = (rest - low) // (1 << SPLIT_BITS)
        shift += SPLIT_BITS


def _matvec(x, parts):
    """x @ (the sum of parts) exactly: one constant matrix-vector product per part over x's variables;
    x's constant elements (a layer whose outputs do not depend on the input) are summed exactly here."""
    flat = np.asarray(x)
    const = np.array([v.low == v.high for v in flat], bool)
    offset = np.zeros(parts[0].shape[1])
    if const.any():
        values = [Fraction(float(v.low)) for v in flat[const]]
        exact = [sum((val * Fraction(float(w)) for p in parts for val, w in zip(values, p[const][:, j])),
                     Fraction(0)) for j in range(parts[0].shape[1])]
        offset = np.array([float(e) for e in exact])
        if any(Fraction(o) != e for o, e in zip(offset, exact)):
            raise NotTraced("a constant product needs more than 53 bits; the RTL flow's tracer computes exactly "
                            "up to 53")
    if const.all():
        return _fv([_const(o, x) for o in offset], x)
    xv = _fv(flat[~const], x)
    y = xv @ parts[0][~const]
    for part in parts[1:]:
        y = y + xv @ part[~const]
    return y + offset


def _kernel(layer, x, windows, kernel: Kernel):
    """The dense kernel on each window (input indices, kernel rows) of x: mult = data * weight into
    accum_t, acc = bias, acc += mult into accum_t, res = acc into res_t; the outputs of all windows."""
    out = []
    for idx, rows in windows:
        k = kernel.rows(rows)
        if not len(idx):
            acc = _fv([_const(b, x) for b in k.bias], x)
        elif k.exact:  # one exact sum: a constant matrix-vector product per weight part
            acc = _matvec(x[idx], k.parts) + k.bias
        else:
            acc = _product_sum(layer, x[idx], k)
        out.append(np.asarray(assign(assign(acc, k.acc_t, layer.name), layer.output_type, layer.name)))
    return _fv(np.concatenate(out), x)


def _product_sum(layer, x, k: Kernel):
    """The template's order when products lose bits in accum_t: each product assigned to accum_t; then
    one wrap-around sum (associative), or, when accum_t saturates, acc = bias, acc += mult one by one."""
    acc_t, name = k.acc_t, layer.name
    products = sum(x[:, None] * p for p in k.parts)  # (n_in, n_out), exact
    if not saturating(acc_t):
        _, i, f = kif(acc_t)
        top = max(int(np.max(products.kif[1])), i) + 1  # room for rounding up: wraps once, in the final assign
        mult = products.quantize(k=1, i=top, f=f, overflow_mode="WRAP", round_mode=acc_t.rounding)
        return np.sum(mult, axis=0) + k.bias
    mult = assign(products, acc_t, name)
    acc = _fv([_const(b, x) for b in k.bias], x)
    for row in range(len(x)):
        acc = assign(acc + mult[row], acc_t, name)
    return acc


def dense(layer, inputs):
    (x,) = inputs
    n_in, n_out = int(layer.config["n_in"]), int(layer.config["n_out"])
    everything = np.arange(n_in)
    return _kernel(layer, x, [(everything, everything)], _constants(layer, n_in, n_out))


def _windows(c: dict):
    """For each output pixel (row-major): the flat input indices its window reads, in window order
    (kh, kw, c), padding left out, and which window positions (kernel rows) they are."""
    h, w, ch, fh, fw, sh, sw, (pt, _), (pl, _), oh, ow = geometry(c)
    kh, kw, cc = (a.ravel() for a in np.meshgrid(np.arange(fh), np.arange(fw), np.arange(ch), indexing="ij"))
    out = []
    for oy in range(oh):
        for ox in range(ow):
            iy, ix = oy * sh + kh - pt, ox * sw + kw - pl
            ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
            out.append((((iy * w + ix) * ch + cc)[ok], np.flatnonzero(ok)))
    return out


def conv(layer, inputs):
    """nnet_conv1d/2d and pointwise: the dense kernel at every output pixel, over its window; a
    depthwise convolution (depth multiplier 1): each channel's window times its own kernel column."""
    (x,) = inputs
    c = layer.config
    _, _, ch, fh, fw, *_ = geometry(c)
    windows = _windows(c)
    if not layer.function.startswith("depthwise"):
        return _kernel(layer, x, windows, _constants(layer, fh * fw * ch, int(c.get("n_filt") or 1)))
    kernel = _constants(layer, fh * fw, ch)  # weights (window position, channel)
    out = []
    for idx, rows in windows:
        for i in range(ch):
            mine = rows % ch == i
            column = kernel.rows(slice(None), slice(i, i + 1))
            out.append(np.asarray(_kernel(layer, x, [(idx[mine], rows[mine] // ch)], column)))
    return _fv(np.concatenate(out), x)


def relu(layer, inputs):
    (x,) = inputs
    return assign(x.relu(), layer.output_type, layer.name)


def linear(layer, inputs):
    (x,) = inputs
    return assign(x, layer.output_type, layer.name)


def identity(layer, inputs):
    (x,) = inputs
    return assign(x, layer.output_type, layer.name) if layer.output_type is not None else x


def pooling(layer, inputs):
    """nnet_pooling.h: the window maximum (padding left out: it is the input type's most negative
    value) or the window average into accum_t, then res_t."""
    (x,) = inputs
    cfg = pool_config(layer)
    op = _pool_op(layer)
    ch = int(cfg.get("n_chan") or 1)
    acc_t = layer.typed("accum_t") or layer.output_type
    out = []
    for idx, rows in _windows(cfg):
        for c in range(ch):
            window = idx[rows % ch == c]
            if op == "max":
                out.append(functools.reduce(lambda a, b: a.max_of(b), np.asarray(x[window])))
            else:
                if any(int(cfg.get(p) or 0) for p in ("pad_top", "pad_bottom", "pad_left", "pad_right")):
                    raise NotTraced(f"{layer.name}: padded average pooling is not traced")
                out.append(window)
    if op == "max":
        return assign(assign(_fv(out, x), acc_t, layer.name), layer.output_type, layer.name)
    return _average(layer, x, [x[w] for w in out], acc_t)


def global_pooling(layer, inputs):
    (x,) = inputs
    ch = int(layer.config.get("n_filt") or 1)
    acc_t = layer.typed("accum_t") or layer.output_type
    per_channel = [x[np.arange(c, len(x), ch)] for c in range(ch)]
    if _pool_op(layer) == "max":
        m = [functools.reduce(lambda a, b: a.max_of(b), np.asarray(v)) for v in per_channel]
        return assign(assign(_fv(m, x), acc_t, layer.name), layer.output_type, layer.name)
    return _average(layer, x, per_channel, acc_t)


def _pool_op(layer) -> str:
    try:
        return pool_op(layer)
    except NotEmulated as e:
        raise NotTraced(str(e)) from None


def _average(layer, like, windows, acc_t):
    """avg(): y = 0, y += x into accum_t, then y / n truncated toward zero at accum_t's fractional bits,
    into res_t (nnet_pooling.h)."""
    name = layer.name
    out = []
    for window in windows:
        terms = np.asarray(window)
        y = assign(_fv([terms[0]], like), acc_t, name)
        for t in terms[1:]:
            y = assign(y + assign(_fv([t], like), acc_t, name), acc_t, name)
        v = np.asarray(y)[0]
        n = len(terms)
        q = _floor_div(v.relu(), n, acc_t, name) - _floor_div((-v).relu(), n, acc_t, name)
        out.append(q)
    return assign(assign(_fv(out, like), acc_t, name), layer.output_type, name)


def _floor_div(v, n: int, acc_t, name):
    """floor(v / n) at accum_t's LSB for v >= 0, exactly. With v = S * step (S an integer of the value's
    own LSB `step`, step = 2**e accum_t LSBs): floor(S / n) by multiplication, floor(S * m / 2**s) with
    m = ceil(2**s / n), 2**s >= n * 2**bits(S) (division by invariant integers); the remainder
    r = S - n * floor(S / n) < n, and floor(r * 2**e / n) as a sum of comparisons r >= j."""
    from hls.emulate.fixed import frac_bits as fb

    if v.high <= 0:
        return v * 0
    lsb = 2.0 ** -fb(acc_t)
    step = max(float(v.step), lsb)
    e = int(round(math.log2(step / lsb)))
    bits = math.ceil(math.log2(v.high / step + 1))
    s = bits + math.ceil(math.log2(n)) + 1
    if bits + s > 52:
        raise NotTraced(f"{name}: the average of {n} values of {acc_t.text} needs a {bits + s}-bit exact division; "
                        "the RTL flow's tracer computes exactly up to 52 bits")
    m = -(-(1 << s) // n)
    q0 = _cmul(v, m * 2.0 ** -s / step).quantize(k=0, i=bits, f=0)  # floor(S / n), an integer
    r = _cmul(v, 1.0 / step) - q0 * n  # 0 <= r < n, an integer
    table = [(j << e) // n for j in range(n)]  # floor(j * 2**e / n)
    tail = sum((_cmul(r >= j, (table[j] - table[j - 1]) * lsb) for j in range(1, n) if table[j] != table[j - 1]),
               start=r * 0)
    return _cmul(q0, step) + tail


def _cmul(x, c: float):
    """x * c for a constant c of any width, exactly: alkaid multiplies exactly by constants of up to
    ~22 significant bits (measured), so c is split into parts of SPLIT_BITS bits."""
    if c == 0:
        return x * 0
    mant, exp = math.frexp(abs(c))
    q = int(mant * 2 ** 53)  # c = q * 2**(exp - 53) exactly
    out, shift = None, exp - 53
    while q:
        chunk = q % (1 << SPLIT_BITS)
        if chunk:
            term = x * (math.copysign(chunk, c) * 2.0 ** shift)
            out = term if out is None else out + term
        q >>= SPLIT_BITS
        shift += SPLIT_BITS
    return out


def padding(layer, inputs):
    """Zeros around the image, values copied into the output type."""
    (x,) = inputs
    c = layer.config
    ch = int(c.get("n_chan") or 1)
    h, w = int(c.get("in_height") or 1), int(c.get("in_width") or 1)
    pt, pb = int(c.get("pad_top") or 0), int(c.get("pad_bottom") or 0)
    pl, pr = int(c.get("pad_left") or 0), int(c.get("pad_right") or 0)
    img = np.asarray(x).reshape(h, w, ch)
    zero = _const(0.0, x)
    out = np.full((h + pt + pb, w + pl + pr, ch), zero, dtype=object)
    out[pt:pt + h, pl:pl + w] = img
    return assign(_fv(out.reshape(-1), x), layer.output_type, layer.name)


def normalize(layer, inputs):
    """res = data * scale + bias in full precision, into res_t (per channel when n_filt is set)."""
    (x,) = inputs
    st, bt = layer.typed("scale_t"), layer.typed("bias_t")
    s_name = next((k for k in layer.weights if k.startswith("s")), None)
    b_name = next((k for k in layer.weights if k.startswith("b")), None)
    if st is None or s_name is None:
        raise NotTraced(f"{layer.name}: no scale")
    scale = to_float(literal_ints(layer.weights[s_name], st), frac_bits(st))
    bias = (to_float(literal_ints(layer.weights[b_name], bt), frac_bits(bt)) if b_name is not None and bt is not None
            else np.zeros_like(scale))
    n_filt = int(layer.config.get("n_filt") or -1)
    idx = np.arange(len(x)) % n_filt if n_filt > 0 else np.arange(len(x))
    flat = np.asarray(x)
    terms = [_cmul(v, float(scale[j])) + float(bias[j]) for v, j in zip(flat, idx)]
    return assign(_fv(terms, x), layer.output_type, layer.name)


def merge(layer, inputs):
    """Element-wise add/subtract/multiply/average/maximum/minimum in full precision into res_t (the
    shorter input repeats), or concatenation along the configured axis."""
    t, fn = layer.output_type, layer.function
    if fn.startswith("concatenate"):
        return _concatenate(layer, inputs)
    a, b = inputs
    n = max(len(a), len(b))
    a, b = (v[np.arange(n) % len(v)] if len(v) != n else v for v in (a, b))
    if fn == "add":
        return assign(a + b, t, layer.name)
    if fn == "subtract":
        return assign(a - b, t, layer.name)
    if fn == "average":
        return assign((a + b) * 0.5, t, layer.name)
    if fn == "multiply":
        return assign(a * b, t, layer.name)
    if fn == "maximum":
        return assign(np.maximum(a, b), t, layer.name)
    if fn == "minimum":
        return assign(np.minimum(a, b), t, layer.name)
    raise NotTraced(f"{layer.name}: nnet::{fn} is not traced")


def _concatenate(layer, inputs):
    shapes, ax = concat_layout(layer, [len(v) for v in inputs])
    parts = [np.asarray(assign(v, layer.output_type, layer.name)).reshape(shape) for v, shape in zip(inputs, shapes)]
    return _fv(np.concatenate(parts, axis=ax).reshape(-1), inputs[0])


# One rule per emulator (hls/emulate/layers.py EMULATORS says which nnet functions each covers): a
# function the emulator reproduces is traced by the rule of the same name
_RULES = {rule.__name__: rule for rule in (dense, conv, relu, linear, identity, pooling, global_pooling, padding,
                                           normalize, merge)}
TRACERS = {fn: _RULES[emulator.__name__] for fn, emulator in EMULATORS.items()}


def untraceable(project: Project) -> list:
    """The layers the tracer has no rule for, as 'name: nnet::function' (empty: all have one)."""
    return [f"{layer.name}: nnet::{layer.function}" for layer in project.layers if layer.function not in TRACERS]


def trace_project(project: Project, progress=None) -> Traced:
    """The project as alkaid logic, every layer's output kept (for per-layer diagnosis). `progress`:
    called with each layer's name before it is traced."""
    from alkaid.trace import FVArrayInput

    missing = untraceable(project)
    if missing:
        raise NotTraced(f"no RTL rule for {missing[0]}; the RTL flow traces "
                        f"{', '.join(sorted({f for f in TRACERS if not f.startswith(('dense_', 'pointwise'))}))}")
    first = project.layers[0]
    t_in = first.input_type
    from hls.emulate import input_size

    # alkaid's lookup-table lowering of one-bit inputs (binary_lut) refuses some constant inputs: off,
    # every product goes to the CMVM solver
    inp = FVArrayInput((input_size(project),), solver_options={"binary_lut": False})
    k, i, f = kif(t_in)  # the port: values of the input type (the testbench converts as the firmware does)
    values = {first.inputs[0]: inp.quantize(k=k, i=i, f=f)}
    layers = {}
    for layer in project.layers:
        if progress:
            progress(layer.name)
        ins = [values[name] for name in layer.inputs]
        out = TRACERS[layer.function](layer, ins)
        for name in [layer.output, *layer.also_writes]:
            values[name] = out
        layers[layer.name] = out
    return Traced(inp, layers, project.layers[-1].name, t_in)
