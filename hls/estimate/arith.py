"""What the products and sums of hls4ml's matrix-vector kernels cost: which products Vivado builds in
DSP slices, what a product in the fabric and an adder tree take in LUTs.

The rules follow how the tools treat them: with the Latency strategy every weight is a constant of
a fully unrolled multiply, so HLS drops zero products and builds short constants from shifts and
adds; Vivado synthesis later rebuilds in LUTs a constant product that needs more than one DSP
slice. With the Resource strategy weights come from a ROM: every product is a general multiplier.
Each coefficient says what it was read from (csynth instance rows or post-synthesis totals of
shared/fixtures/hls_reports/, or a vendor user guide).
"""
from __future__ import annotations

import math

import numpy as np

# ---- which products use a DSP slice ----------------------------------------------------------------
# HLS builds a constant product from shifts and adds when the constant has at most two nonzero
# canonical-signed digits, and binds it to a DSP slice from three digits on, if the product is wide
# enough: input bits + the constant's odd-part bits >= DSP_MIN_PRODUCT_BITS. Read off the csynth
# instance rows, where this rule gives the DSP count exactly or within 3%: seanlipps conv 383/383,
# dense 82/82; sparsepix 16b conv1 224/224, conv2 159/157, dense2 84/84, dense1 3048/2996;
# pominiq u50 34/34, 254/248, 278/275; berk m1 (2 slices each) 560/560, 280/280, 144/144; no DSP at
# 8b x 8b (sparsepix 8b: 0); 6b inputs x 16b constants only from 11 odd bits on (SVHN QKeras output
# layer: 83 of 640 on DSPs).
DSP_MIN_CSD_DIGITS = 3
DSP_MIN_PRODUCT_BITS = 17
# A general (ROM-fed, Resource-strategy) product goes to a DSP when its narrower operand has at least
# 6 bits and its wider at least 10 (berk m2/m3: 24b x 8b weights, all on DSPs, 811 and 740 after synthesis).
DSP_MIN_NARROW_BITS = 6
DSP_MIN_WIDE_BITS = 10


def odd_bits(q) -> np.ndarray:
    """Signed width of each constant's odd part; 0 for zero."""
    m = np.abs(np.asarray(q)).astype(np.int64)
    odd = m // np.maximum(m & -m, 1)
    return np.where(m > 0, np.floor(np.log2(np.maximum(odd, 1))).astype(np.int64) + 2, 0)


def csd_digits(q) -> np.ndarray:
    """Nonzero canonical-signed-digit count: popcount((x >> 1) ^ (x + (x >> 1)))."""
    m = np.abs(np.asarray(q)).astype(np.int64)
    c = (m >> 1) ^ (m + (m >> 1))
    return np.vectorize(lambda v: bin(int(v)).count("1"), otypes=[np.int64])(c) if c.size else c


def bit_length(q) -> np.ndarray:
    """Signed width of each constant (magnitude bits + sign); 0 for zero."""
    m = np.abs(np.asarray(q)).astype(np.int64)
    return np.where(m > 0, np.floor(np.log2(np.maximum(m, 1))).astype(np.int64) + 2, 0)


def constant_on_dsp(a_bits, q) -> np.ndarray:
    """Which constant products HLS binds to a DSP slice (see DSP_MIN_CSD_DIGITS)."""
    return (csd_digits(q) >= DSP_MIN_CSD_DIGITS) & (a_bits + odd_bits(q) >= DSP_MIN_PRODUCT_BITS)


def variable_on_dsp(a_bits: int, b_bits: int) -> bool:
    return min(a_bits, b_bits) >= DSP_MIN_NARROW_BITS and max(a_bits, b_bits) >= DSP_MIN_WIDE_BITS


def dsp_slices(a_bits: int, b_bits: int, part: dict) -> int:
    """Slices for one a x b product: 1 if it fits the A x B ports (27x18 DSP48E2, 25x18 DSP48E1)."""
    big, small = max(a_bits, b_bits), min(a_bits, b_bits)
    a, b = part["dsp_a_bits"], part["dsp_b_bits"]
    return 1 if big <= a and small <= b else math.ceil(big / (a - 1)) * math.ceil(small / (b - 1))


MUX_INPUTS_PER_LUT = 4  # a LUT6 is a 4:1 multiplexer per bit (UG574)
