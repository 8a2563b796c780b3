"""Fabric and scheduling primitives of the estimate: memory and timing facts of the devices, the
latency of pipelined loops and chains, and the cost-quantity dicts the rules count in (a dict of
quantity -> amount that hls/estimate/coefficients.py turns into LUTs and FFs). Imports nothing of the
estimate; the kernels and rules build on it.
"""
from __future__ import annotations

import math

# ---- memories -------------------------------------------------------------------------------------
BRAM18_BITS = 18 * 1024
# Vivado synthesis keeps FIFOs/ROMs of <= 1024 bits in LUTs (SRL32/LUTRAM): the SVHN fixtures go
# from 100 csynth BRAM_18K to 84 (float) / 68 (QKeras) RAMB18, exactly the FIFOs <= 1024 bits.
LUTRAM_MAX_BITS = 1024
SRL_DEPTH = 32  # SRLC32E: 32 deep per LUT (UG574)
FIFO_CTRL_LUT = 6
FIFO_REG_MAX_DEPTH = 2  # depth-1/2 FIFOs are registers (csynth FIFO rows: 5 FF, 0 LUT)

# ---- timing -------------------------------------------------------------------------------------------
# Pipeline stages HLS gives a DSP product and adder-tree levels chained per clock: UltraScale(+)
# conv tails 3-4 cycles past the last pixel, dense 3 (SVHN csynth at 5 ns); 7-series 3-stage
# multipliers (hls4ml issue #49) and dense 16->5 latency 7 (dense fixture).
MULT_CYCLES = {"ultrascale": 1, "7series": 3}
ADD_LEVELS_PER_CYCLE = {"ultrascale": 4, "7series": 2}
REFERENCE_CLOCK_NS = 5.0  # the clock the two tables above were read at; slower clocks chain more per cycle
CHAIN_OPS_PER_CYCLE = 3  # dependent compare-selects or adds HLS chains per clock at the reference clock
STREAM_RW_CYCLES = 2  # stream read + write around a computation (csynth instance latencies)
LOOP_EXIT_CYCLES = 1  # a pipelined loop of > 1 trip adds its exit cycle (relu: 902 for 900 beats)


def width(t, default=16) -> int:
    return int(t.width) if t is not None else default


def loop(trips, depth, ii=1):  # latency of a pipelined loop (one trip is no loop: no exit cycle)
    return depth + ((trips - 1) * ii + LOOP_EXIT_CYCLES if trips > 1 else 0)


def level_ns(ctx) -> float:
    """Delay of one adder level: the reference table's clock over its levels per clock."""
    return REFERENCE_CLOCK_NS / ADD_LEVELS_PER_CYCLE[ctx["fam"]]


def levels_per_cycle(ctx) -> int:
    """Adder levels HLS chains in one clock."""
    return max(1, int(ctx["clock_period_ns"] / level_ns(ctx)))


def compute_cycles(terms, ctx):
    """Pipeline depth of one unrolled multiply + adder tree of `terms` inputs: the product (MULT_CYCLES
    at the reference clock) and the tree's levels, chained as far as the clock allows (25 ns: the
    pominiq u50 convolution's whole call is one cycle)."""
    levels = math.ceil(math.log2(max(terms, 2)))
    delay = MULT_CYCLES[ctx["fam"]] * REFERENCE_CLOCK_NS + levels * level_ns(ctx)
    return max(1, math.ceil(delay / ctx["clock_period_ns"] - 1e-9))


def chain_ops_per_cycle(ctx) -> int:
    return max(1, int(CHAIN_OPS_PER_CYCLE * ctx["clock_period_ns"] / REFERENCE_CLOCK_NS))


def terms(**kv):  # a cost-quantity dict without zero entries
    return {k: float(v) for k, v in kv.items() if v}


def add_terms(*dicts):
    """The sum of cost-quantity dicts."""
    out = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0.0) + v
    return out


def add_costs(row, lut=None, ff=None):
    """Add LUT and FF cost quantities to a rule's row, in place."""
    row["lut_terms"] = add_terms(row.get("lut_terms", {}), lut or {})
    row["ff_terms"] = add_terms(row.get("ff_terms", {}), ff or {})
    return row


def scale_terms(d, factor):
    return {k: v * factor for k, v in d.items()}


def carried(signals, stages):
    """Signals delayed down a pipelined chain until it consumes them (on average half its stages):
    Vivado synthesis turns such register runs into shift-register LUTs (SRLC32E), leaving a fraction
    of the register bits as FFs (carried_bits, fitted)."""
    if stages <= 1:
        return {}, {}
    return terms(srl_luts=signals * math.ceil(stages / 2 / SRL_DEPTH)), terms(carried_bits=signals * stages / 2)


def saturating(t) -> bool:
    """A type whose every assignment rounds or saturates (ap_fixed<..., AP_RND*, AP_SAT*>)."""
    return t is not None and (t.rounding != "TRN" or t.saturation != "WRAP")


def cast_bits(layer, n):
    """Output bits of `n` values cast with rounding or saturation (AP_RND*, AP_SAT*): an incrementer and
    a clamp each; truncation and wrap-around are wiring."""
    t = layer.output_type
    return n * t.width if saturating(t) else 0
