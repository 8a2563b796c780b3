"""Exact ap_fixed / ap_int arithmetic on integer-valued arrays.

A value of type ap_fixed<W, I> is held as the integer `q` with value q * 2**-F, F = W - I fractional
bits. Converting between types reproduces the Vivado/Vitis HLS ap_fixed semantics bit for bit: the
quantization mode decides how dropped fractional bits round (AP_TRN floors, AP_RND rounds half up,
AP_RND_CONV half to even, ...), the overflow mode what happens outside the W bits (AP_WRAP wraps
around in two's complement, AP_SAT clamps, ...). Sums and products of fixed-point values are exact
integer sums and products with the fractional bits added; only assignments quantize.

The integers are carried in the narrowest array type that holds them exactly (`carrier`): float32 up to
24 bits, float64 up to 53, int64 up to MAX_BITS, Python integers (numpy object arrays, slow) beyond.
Floating point is exact on integers in range, and scaling by a power of two, floor, comparisons and
clipping are exact at any magnitude, so float arrays give the same integers as int64 ones at the speed
of vectorized float arithmetic and BLAS.
"""
from __future__ import annotations

import numpy as np

from common.errors import L1CNNError

__all__ = ["BadInput", "NotEmulated", "as_carrier", "carrier", "frac_bits", "holds", "quantize", "shift_left",
           "shift_right", "from_float", "to_float", "MAX_BITS"]

MAX_BITS = 62  # int64 headroom for exact sums of products
_EXACT = ((np.float32, 24), (np.float64, 53), (np.int64, MAX_BITS), (object, None))  # bits each holds exactly
_PYTHON_INT = np.frompyfunc(int, 1, 1)  # an integer-valued float array to Python integers, exactly


class NotEmulated(L1CNNError, ValueError):
    """A firmware construct the emulator does not reproduce; the message names it."""


class BadInput(L1CNNError, ValueError):
    """Inputs the firmware's input type cannot take (NaN, infinities, beyond any representable value)."""


def frac_bits(t) -> int:
    return int(t.width) - int(t.integer)


def carrier(bits: int):
    """The array type holding every integer of magnitude below 2**bits exactly."""
    return next(dtype for dtype, exact in _EXACT if exact is None or bits <= exact)


def wider(*dtypes):
    """The carrier among `dtypes` that holds all of them (float32 < float64 < int64 < object)."""
    order = [np.dtype(d) for d, _ in _EXACT]
    return _EXACT[max(order.index(np.dtype(d)) for d in dtypes)][0]


def as_carrier(q: np.ndarray, dtype) -> np.ndarray:
    """Integers q in the carrier `dtype` (floats become Python integers, not Python floats)."""
    if np.dtype(dtype) == np.dtype(object) and q.dtype.kind == "f":
        return _PYTHON_INT(q).astype(object)
    return q.astype(dtype, copy=False)


def _is_float(q) -> bool:
    return q.dtype.kind == "f"


def shift_left(q: np.ndarray, s: int) -> np.ndarray:
    """q * 2**s, s >= 0: exact in every carrier (floats only change their exponent)."""
    if not s:
        return q
    return q * q.dtype.type(2.0 ** s) if _is_float(q) else q << s


def _odd(floor):
    return (floor - 2 * np.floor(floor * 0.5)) == 1 if _is_float(floor) else (floor & 1) == 1


def _round(floor, cmp, nonzero, negative, rounding: str):
    """The integer a value rounds to, given its floor, the sign of (dropped part - 1/2) `cmp`, whether
    anything was dropped, and the value's sign: the ap_fixed quantization modes."""
    if rounding == "TRN":
        return floor
    if rounding == "TRN_ZERO":  # toward zero
        return floor + (negative & nonzero)
    if rounding == "RND":  # half toward +infinity
        return floor + (cmp >= 0)
    if rounding == "RND_ZERO":  # half toward zero
        return floor + ((cmp > 0) | ((cmp == 0) & negative))
    if rounding == "RND_MIN_INF":  # half toward -infinity
        return floor + (cmp > 0)
    if rounding == "RND_INF":  # half away from zero
        return floor + ((cmp > 0) | ((cmp == 0) & ~negative))
    if rounding == "RND_CONV":  # half to even
        return floor + ((cmp > 0) | ((cmp == 0) & _odd(floor)))
    raise NotEmulated(f"quantization mode AP_{rounding} is not emulated")


def shift_right(q: np.ndarray, s: int, rounding: str) -> np.ndarray:
    """q / 2**s quantized to an integer with the ap_fixed quantization mode `rounding`."""
    if s <= 0:
        return shift_left(q, -s)
    if _is_float(q):
        scaled = q * q.dtype.type(2.0 ** -s)  # exact: the dropped bits become the fraction
        if rounding in FLOAT_ROUNDING:  # one exact IEEE operation
            return FLOAT_ROUNDING[rounding](scaled)
        floor = np.floor(scaled)
        rest = scaled - floor  # the dropped part in [0, 1): exact
        return _round(floor, np.sign(rest - 0.5), rest != 0, q < 0, rounding)
    floor = q >> s  # arithmetic shift: floor division by 2**s
    if rounding == "TRN":
        return floor
    rem = q - (floor << s)  # 0 <= rem < 2**s
    half = 1 << (s - 1)
    return _round(floor, np.sign(rem - half), rem != 0, q < 0, rounding)


# Quantization modes that are one IEEE operation on an exactly scaled float: floor, and round half to
# even (the default IEEE rounding of rint).
FLOAT_ROUNDING = {"TRN": np.floor, "RND_CONV": np.rint}


def _range(t):
    w = int(t.width)
    return (-(1 << (w - 1)), (1 << (w - 1)) - 1) if t.signed else (0, (1 << w) - 1)


def _overflow(q: np.ndarray, t) -> np.ndarray:
    lo, hi = _range(t)
    mode = t.saturation
    if mode == "SAT":  # one pass, whether or not anything is clamped
        return np.clip(q, lo, hi)
    if q.size and lo <= q.min() and q.max() <= hi:  # every value fits: no mode changes anything
        return q
    if mode == "WRAP":
        w = int(t.width)
        if _is_float(q):  # q mod 2**w in [0, 2**w), exact: the result is an integer the carrier holds
            m = q - q.dtype.type(2.0 ** w) * np.floor(q * q.dtype.type(2.0 ** -w))
            return np.where(m > hi, m - q.dtype.type(2.0 ** w), m) if t.signed else m
        return ((q - lo) & ((1 << w) - 1)) + lo
    if mode == "SAT_ZERO":
        return np.where((q < lo) | (q > hi), 0, q)
    if mode == "SAT_SYM":
        return np.clip(q, -hi if t.signed else lo, hi)
    raise NotEmulated(f"overflow mode AP_{mode} is not emulated")


def holds(t, s) -> bool:
    """Every value of type s is a value of type t: assigning s to t changes nothing."""
    shift = frac_bits(t) - frac_bits(s)
    (lo_s, hi_s), (lo_t, hi_t) = _range(s), _range(t)
    return shift >= 0 and lo_t <= lo_s << shift and hi_s << shift <= hi_t


def quantize(q: np.ndarray, frac: int, t, source=None) -> np.ndarray:
    """Assign values q * 2**-frac (integers in any carrier) to type t: its quantization, then its
    overflow mode; the result in t's carrier. `source`: the type the values already have (frac its
    fractional bits), when known: an assignment that cannot change them costs no checks."""
    w, s = int(t.width), frac - frac_bits(t)
    q = np.asarray(q)
    if q.dtype.kind not in "fiO":
        q = q.astype(np.int64)
    out = carrier(w)
    q = as_carrier(q, wider(q.dtype, out, object if abs(s) >= MAX_BITS else np.float32))
    if source is not None and holds(t, source):
        return shift_left(q, frac_bits(t) - frac).astype(out, copy=False)
    return _overflow(shift_right(q, s, t.rounding), t).astype(out, copy=False)


def from_float(x: np.ndarray, t) -> np.ndarray:
    """float inputs converted to t as the firmware's input conversion does (ap_fixed from double), in
    t's carrier. float32 inputs are converted in float32: their scaling and rounding are exact there."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    f = frac_bits(t)
    scaled = x * x.dtype.type(2.0 ** f)  # exact: a power-of-two scaling
    hi, lo = (float(scaled.max()), float(scaled.min())) if scaled.size else (0.0, 0.0)
    if not (np.isfinite(hi) and np.isfinite(lo)) and not np.all(np.isfinite(x)):
        raise BadInput("the inputs hold NaN or infinite values; the firmware's input type has no encoding for them")
    top = max(abs(hi), abs(lo))
    if top >= 2.0 ** MAX_BITS:
        raise BadInput(f"inputs up to {np.max(np.abs(x)):g} are beyond any {t.text} value; "
                       "the firmware would wrap or clamp them")
    if t.rounding in FLOAT_ROUNDING:  # one exact IEEE operation
        floor = FLOAT_ROUNDING[t.rounding](scaled)
    else:
        floor = np.floor(scaled)
        rest = scaled - floor  # the dropped part, in [0, 1): exact
        floor = _round(floor, np.sign(rest - 0.5), rest != 0, x < 0, t.rounding)
    out = carrier(int(t.width))
    if out is np.int64 or out is object:
        floor = floor.astype(np.int64).astype(out)  # below 2**MAX_BITS: checked above
    elif out is np.float64 and floor.dtype == np.float32 and top >= 2.0 ** 24:
        floor = floor.astype(np.float64)
    t_lo, t_hi = _range(t)
    if t_lo <= np.floor(lo) and np.floor(hi) + (t.rounding != "TRN") <= t_hi:  # rounded values in range
        return floor.astype(out, copy=False)
    return _overflow(floor, t).astype(out, copy=False)


def to_float(q: np.ndarray, frac: int) -> np.ndarray:
    return np.ldexp(np.asarray(q, np.float64), -frac) + 0.0  # + 0.0: no negative zeros
