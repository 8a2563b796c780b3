"""The one place for fixed-point precision rules.

A `FixedFormat` is an HLS-style ap_[u]fixed<W, I>: W bits in total, I of them
integer bits (the sign bit counted in I when signed), as in Xilinx ap_fixed.
QKeras names the same format differently: quantized_bits(bits=W,
integer=I - signed, keep_negative=signed) and quantized_relu(bits=W, integer=I).
Both QKeras and AP_RND_CONV round half to even and both saturate, so
`FixedFormat.quantize` reproduces QKeras and the firmware bit for bit.
"""

import math
import re
from dataclasses import dataclass

import numpy as np

from common.errors import L1CNNError

FLOAT32_EXACT_BITS = 24  # QKeras computes in float32: a wider exact value or sum would be rounded there


class FormatError(L1CNNError, ValueError):
    """A fixed-point format that cannot exist (width, sign bit) or a type string that names none."""


_TYPE_RE = re.compile(r"^\s*(?:ap_)?(u?)fixed<\s*(\d+)\s*,\s*(-?\d+)\s*(?:,[^>]*)?>\s*$")


@dataclass(frozen=True)
class FixedFormat:
    width: int
    integer: int
    signed: bool

    def __post_init__(self):
        if not 1 <= self.width <= 64:
            raise FormatError(f"fixed-point width must be 1..64 bits, got {self.width}")
        if self.signed and self.width < 2:
            raise FormatError("a signed fixed-point format needs at least 2 bits")

    @property
    def fractional(self) -> int:
        return self.width - self.integer

    @property
    def lsb(self) -> float:
        return 2.0 ** -self.fractional

    @property
    def min(self) -> float:
        return -(2.0 ** (self.integer - 1)) if self.signed else 0.0

    @property
    def max(self) -> float:
        top = 2.0 ** (self.integer - 1) if self.signed else 2.0 ** self.integer
        return top - self.lsb

    def quantize(self, x) -> np.ndarray:
        """Round half to even onto the grid, then saturate (QKeras / AP_RND_CONV, AP_SAT)."""
        x = np.asarray(x, dtype=np.float64)
        return np.clip(np.round(x / self.lsb) * self.lsb, self.min, self.max)

    def on_grid(self, x) -> bool:
        x = np.asarray(x, dtype=np.float64)
        return bool(np.all(self.quantize(x) == x))

    def hls_type(self, rounding: bool = False) -> str:
        base = f"ap_{'' if self.signed else 'u'}fixed<{self.width},{self.integer}"
        return base + (",AP_RND_CONV,AP_SAT>" if rounding else ">")

    def __str__(self) -> str:
        return self.hls_type()

    @classmethod
    def parse(cls, text: str) -> "FixedFormat":
        m = _TYPE_RE.match(str(text))
        if not m:
            raise FormatError(f"'{text}' is not a fixed-point type like ap_fixed<8,3> or ap_ufixed<10,2>")
        return cls(width=int(m.group(2)), integer=int(m.group(3)), signed=m.group(1) != "u")

    # --- QKeras spelling of the same format -------------------------------------------
    def qkeras_bits(self):
        """A QKeras quantized_bits with exactly this format (alpha=1: no hidden scale)."""
        from qkeras import quantized_bits

        return quantized_bits(bits=self.width, integer=self.integer - int(self.signed),
                              keep_negative=self.signed, alpha=1)

    def qkeras_relu(self):
        if self.signed:
            raise ValueError("a ReLU output format is unsigned")
        from qkeras import quantized_relu

        return quantized_relu(bits=self.width, integer=self.integer)


MAX_GRID_FRACTIONAL_BITS = 24  # finest power-of-two grid exact_grid_format looks for


def exact_format(lo: float, hi: float, fractional: int) -> FixedFormat:
    """The narrowest format holding every multiple of 2^-fractional in [lo, hi]."""
    signed = lo < 0
    mag = max(abs(lo), abs(hi) + 2.0 ** -fractional)
    integer = max(math.ceil(math.log2(mag)) if mag > 0 else 0, -fractional + 1)
    if signed and -(2.0 ** integer) > lo:
        integer += 1
    return FixedFormat(integer + fractional + int(signed), integer + int(signed), signed)


def exact_grid_format(values) -> FixedFormat:
    """The narrowest signed format holding every value exactly; ValueError when the values are on no
    power-of-two grid finer than 2^-MAX_GRID_FRACTIONAL_BITS (e.g. a po2-scaled weight tensor)."""
    v = np.asarray(values, np.float64)
    f = next((f for f in range(-8, MAX_GRID_FRACTIONAL_BITS + 1) if np.all(np.mod(v * 2.0 ** f, 1) == 0)), None)
    if f is None:
        raise ValueError("values are not on a power-of-two grid")
    fmt = exact_format(min(float(v.min()), -(2.0 ** -f)), float(v.max()), f)  # signed, like quantized_bits weights
    if fmt.integer < 1:  # QKeras cannot spell negative integer bits: keep the sign bit as the integer part
        fmt = FixedFormat(fmt.fractional + 1, 1, True)
    return fmt


def with_whole_bits(fmt: FixedFormat) -> FixedFormat:
    """`fmt` widened, if needed, so that it has no negative integer bits (the sign bit, when signed, is
    an integer bit): the same grid and range, spelled as every HLS tool accepts it."""
    need = (1 if fmt.signed else 0) - fmt.integer
    return fmt if need <= 0 else FixedFormat(fmt.width + need, fmt.integer + need, fmt.signed)


def float32_format(values, max_width: int) -> tuple:
    """(format, exact) for float32 values (float weights, batch-norm scales): the narrowest signed format
    holding every one exactly when it has at most `max_width` bits, else a `max_width`-bit one spanning
    their range, onto which they will be rounded."""
    v = np.asarray(values, np.float32).astype(np.float64).ravel()
    nz = v[v != 0]
    if not len(nz):
        return FixedFormat(2, 1, True), True
    mant, exp = np.frexp(nz)  # v = mant * 2**exp, |mant| in [0.5, 1): 24 significant bits
    ints = np.abs(mant * 2.0 ** 24).astype(np.int64)
    trailing = np.array([(int(i) & -int(i)).bit_length() - 1 for i in ints])
    frac = int(np.max(24 - exp - trailing))
    lo, hi = min(float(v.min()), 0.0), max(float(v.max()), 0.0)
    exact = with_whole_bits(exact_format(min(lo, -(2.0 ** -frac)), hi, frac))
    if exact.width <= max_width:
        return exact, True
    return FixedFormat(max_width, exact.integer, True), False


def covering_format(values, fractional_if_off_grid: int = 8) -> tuple:
    """(format, on_grid): the narrowest format holding every value exactly when the values lie on a
    power-of-two grid (of at most 2^-16), else one spanning their range with `fractional_if_off_grid`
    fractional bits (then the values will be rounded). Unsigned when no value is negative."""
    v = np.asarray(values, np.float64)
    lo, hi = float(v.min()), float(v.max())
    f = next((f for f in range(0, 17) if np.all(np.mod(v * 2.0 ** f, 1) == 0)), None)  # integers and finer
    fmt = exact_format(lo, hi, fractional_if_off_grid if f is None else f)
    return fmt, f is not None


def signed_format(bits: int, integer: int) -> FixedFormat:
    """QKeras quantized_bits(bits, integer) convention: `integer` excludes the sign bit."""
    return FixedFormat(width=bits, integer=integer + 1, signed=True)


def unsigned_format(bits: int, integer: int) -> FixedFormat:
    """QKeras quantized_relu(bits, integer) convention."""
    return FixedFormat(width=bits, integer=integer, signed=False)
