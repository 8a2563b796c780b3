"""A float BatchNormalization followed by a quantizer, realized exactly (a precision analysis).

q(BN(x)) is a monotone step function of x, and x takes finitely many values: those of the exact
format of the layer before it. So the firmware's y = q(s*x + o) (hls4ml's BatchNormalization with
fixed-point scale s and offset o, then the quantizer's rounding) is checked against Keras' own float32
q(BN(x)) on *every* possible input of every channel. Where Keras' float32 rounding puts a value on the
other side of a rounding boundary, the offset of that channel is moved within the interval that
reproduces every one of Keras' steps (the thresholds FINN would store, kept in hls4ml's layer). The
result: proven bit-exact for all inputs, or the exact count of the inputs that cannot be.
"""

from dataclasses import dataclass

import numpy as np

from quantize.formats import FixedFormat

MAX_DOMAIN_BITS = 20  # exhaustive over at most 2^20 input values per channel
CHUNK = 1 << 15


@dataclass(frozen=True)
class Realization:
    offsets: np.ndarray     # per-channel offsets the firmware uses (adjusted where needed)
    n_domain: int           # possible input values per channel
    n_channels_adjusted: int
    n_differing: int        # (input value, channel) pairs where the firmware still differs from Keras


def _keras_steps(bn, quantizer, grid, n_channels):
    """Keras' q(BN(x)) for every grid value in every channel, in the layer's own rank (fused or not)."""
    rank = len(bn.input_shape)
    out = np.empty((len(grid), n_channels))
    for i in range(0, len(grid), CHUNK):
        x = np.repeat(grid[i:i + CHUNK, None], n_channels, axis=1).astype(np.float32)
        x = x.reshape((len(x),) + (1,) * (rank - 2) + (n_channels,))
        y = quantizer(bn(x, training=False))
        out[i:i + CHUNK] = np.asarray(y, np.float64).reshape(len(x), n_channels)
    return out


def _firmware(grid, s, o, out_fmt: FixedFormat):
    v = grid[:, None].astype(np.longdouble) * s.astype(np.longdouble) + o.astype(np.longdouble)  # exact: 64-bit
    lsb = np.longdouble(out_fmt.lsb)
    return np.clip(np.round(v / lsb) * lsb, out_fmt.min, out_fmt.max).astype(np.float64)


def _offset_interval(grid, s, target, out_fmt: FixedFormat):
    """The offsets o with round_half_even(s*x + o) == target for every x, as (lo, lo_closed, hi, hi_closed)."""
    h = out_fmt.lsb / 2
    even = (np.round(target / out_fmt.lsb) % 2) == 0  # half-way values round to the even neighbour
    sx = grid.astype(np.longdouble) * np.longdouble(s)
    lo = np.where(target <= out_fmt.min, -np.inf, target - h - sx)
    hi = np.where(target >= out_fmt.max, np.inf, target + h - sx)
    i, j = int(np.argmax(lo)), int(np.argmin(hi))
    return lo[i], bool(even[i]), hi[j], bool(even[j])


def _pick(lo, lo_closed, hi, hi_closed, fractional):
    """A multiple of 2^-fractional in the interval, nearest its middle; None if there is none."""
    if not lo < hi and not (lo == hi and lo_closed and hi_closed):
        return None
    step = np.longdouble(2.0) ** -fractional
    mid = (lo + hi) / 2 if np.isfinite(lo) and np.isfinite(hi) else (hi - step if np.isfinite(hi) else lo + step)
    c = np.round(mid / step) * step
    ok = (c > lo or (lo_closed and c == lo)) and (c < hi or (hi_closed and c == hi))
    return float(c) if ok else None


def realize(bn, quantizer, in_fmt: FixedFormat, s, o, out_fmt: FixedFormat, fractional: int):
    """Check (and, where Keras' float32 needs it, adjust) the firmware's per-channel offsets; None when the
    input format is too wide to check exhaustively. `fractional`: the offsets' grid (the result's)."""
    if in_fmt.width > MAX_DOMAIN_BITS:
        return None
    grid = in_fmt.min + np.arange(2 ** in_fmt.width) * in_fmt.lsb
    s, o = np.asarray(s, np.float64), np.asarray(o, np.float64).copy()
    keras = _keras_steps(bn, quantizer, grid, len(s))
    fw = _firmware(grid, s, o, out_fmt)
    adjusted = 0
    for c in np.flatnonzero(np.any(keras != fw, axis=0)):
        new = _pick(*_offset_interval(grid, s[c], keras[:, c], out_fmt), fractional)
        if new is not None:
            o[c], adjusted = new, adjusted + 1
    differing = int(np.sum(keras != _firmware(grid, s, o, out_fmt)))
    return Realization(o, len(grid), adjusted, differing)
