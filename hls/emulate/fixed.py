"""Exact ap_fixed / ap_int arithmetic on integer arrays.

A value of type ap_fixed<W, I> is held as the int64 `q` with value q * 2**-F, F = W - I fractional
bits. Converting between types reproduces the Vivado/Vitis HLS ap_fixed semantics bit for bit: the
quantization mode decides how dropped fractional bits round (AP_TRN floors, AP_RND rounds half up,
AP_RND_CONV half to even, ...), the overflow mode what happens outside the W bits (AP_WRAP wraps
around in two's complement, AP_SAT clamps, ...). Sums and products of fixed-point values are exact
integer sums and products with the fractional bits added; only assignments quantize.
"""
from __future__ import annotations

import numpy as np

from common.errors import L1CNNError

__all__ = ["BadInput", "NotEmulated", "frac_bits", "quantize", "from_float", "to_float", "MAX_BITS"]

MAX_BITS = 62  # int64 headroom for exact sums of products


class NotEmulated(L1CNNError, ValueError):
    """A firmware construct the emulator does not reproduce; the message names it."""


class BadInput(L1CNNError, ValueError):
    """Inputs the firmware's input type cannot take (NaN, infinities, beyond any representable value)."""


def frac_bits(t) -> int:
    return int(t.width) - int(t.integer)


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
        return floor + ((cmp > 0) | ((cmp == 0) & ((floor & 1) == 1)))
    raise NotEmulated(f"quantization mode AP_{rounding} is not emulated")


def _shift_right(q: np.ndarray, s: int, rounding: str) -> np.ndarray:
    """q / 2**s quantized to an integer with the ap_fixed quantization mode `rounding`."""
    if s <= 0:
        return q << (-s) if s else q
    floor = q >> s  # arithmetic shift: floor division by 2**s
    rem = q - (floor << s)  # 0 <= rem < 2**s
    half = np.int64(1) << (s - 1)
    return _round(floor, np.sign(rem - half), rem != 0, q < 0, rounding)


def _overflow(q: np.ndarray, t) -> np.ndarray:
    w = int(t.width)
    lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if t.signed else (0, (1 << w) - 1)
    mode = t.saturation
    if q.size and lo <= q.min() and q.max() <= hi:  # every value fits: no mode changes anything
        return q
    if mode == "WRAP":
        return ((q - lo) & ((1 << w) - 1)) + lo
    if mode == "SAT":
        return np.clip(q, lo, hi)
    if mode == "SAT_ZERO":
        return np.where((q < lo) | (q > hi), 0, q)
    if mode == "SAT_SYM":
        return np.clip(q, -hi if t.signed else lo, hi)
    raise NotEmulated(f"overflow mode AP_{mode} is not emulated")


def quantize(q: np.ndarray, frac: int, t) -> np.ndarray:
    """Assign values q * 2**-frac to type t: its quantization, then its overflow mode."""
    if int(t.width) > MAX_BITS:
        raise NotEmulated(f"{t.text or t}: wider than {MAX_BITS} bits")
    return _overflow(_shift_right(np.asarray(q, np.int64), frac - frac_bits(t), t.rounding), t)


def from_float(x: np.ndarray, t) -> np.ndarray:
    """float inputs converted to t as the firmware's input conversion does (ap_fixed from double)."""
    x = np.asarray(x, np.float64)
    if not np.all(np.isfinite(x)):
        raise BadInput("the inputs hold NaN or infinite values; the firmware's input type has no encoding for them")
    f = frac_bits(t)
    scaled = np.ldexp(x, f)  # exact: a power-of-two scaling of a double
    floor = np.floor(scaled)
    if np.max(np.abs(floor), initial=0) >= 2.0 ** MAX_BITS:
        raise BadInput(f"inputs up to {np.max(np.abs(x)):g} are beyond any {t.text} value; "
                       "the firmware would wrap or clamp them")
    rest = scaled - floor  # the dropped part, in [0, 1): exact
    q = _round(floor.astype(np.int64), np.sign(rest - 0.5).astype(np.int64), rest != 0, x < 0, t.rounding)
    return _overflow(q, t)


def to_float(q: np.ndarray, frac: int) -> np.ndarray:
    return np.ldexp(np.asarray(q, np.float64), -frac)
