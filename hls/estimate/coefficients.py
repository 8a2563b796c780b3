"""LUTs and flip-flops per unit of each quantity the cost rules count (rules.py), for Vivado
post-synthesis utilization. The rules count what the firmware builds (adder bits, comparator bits,
shift-register bits, ...); these coefficients turn the counts into LUTs and FFs.

STRUCTURAL coefficients are fixed by the fabric (UG574: LUT6, SRLC32E, carry chains); MEASURED ones
were read off per-instance post-synthesis rows of a calibration design (report_utilization
-hierarchical) and are held in the fit. The others are FIT: non-negative least squares of the estimate/real ratio over the post-synthesis totals of the
thirteen calibration designs (`l1cnn calibrate --fit` redoes the fit and prints its in-sample and
leave-one-design-out errors; README "Calibration" has the numbers). A FIT value is an average over
designs, not a law of the fabric: its comment says what it stands for and what drove it.
"""

LUT = {
    "adder_bits": 0.656,        # FIT: adder bits (operands' significant bits); ternary adders (3 terms per LUT6 + carry) put it near 0.5
    "sat_bits": 1.29,           # FIT: rounding + clamping of a saturating accumulator, per accumulated bit (berk)
    "processes": 285.0,         # FIT: a dataflow process's FSM, channel handshakes and start/done sync (sparsepix
    #                             post-synthesis: the top level, outside its 11 processes and their FIFOs, 3.1k and 4.6k LUT)
    "relu_bits": 0.5,           # MEASURED: a streaming relu process's selects (sparsepix post-synthesis instances: 24, 37 and 161 LUT for 48, 16 and 320 bits)
    "cast_bits": 1.0,           # STRUCTURAL: a rounding incrementer / saturation clamp, one LUT per bit
    "compare_bits": 2.0,        # STRUCTURAL: comparator (carry chain) + 2:1 mux, one LUT each per bit
    "mult_bits2": 0.5,          # STRUCTURAL: a*b general multiplier, LUT6_2 packs two partial-product bits
    "mux_bits": 1.0,            # STRUCTURAL: multiplexer LUTs (rules count 4:1 per LUT6)
    "srl_luts": 1.0,            # STRUCTURAL: shift-register LUTs (SRLC32E), counted exactly
    "rom_luts": 1.0,            # STRUCTURAL: distributed ROM LUTs, counted exactly
}

FF = {
    "pipe_bits": 0.744,         # FIT: adder-tree bits registered at the clock (rules divide by levels per cycle)
    "processes": 61.9,          # FIT: control registers of a layer instance (process or pipelined function)
    "carried_bits": 0.215,      # FIT: bits carried down a pipelined chain, the rest in SRLs (seanlipps pooling, berk m1)
    "dsp_product_bits": 0.0,    # FIT: fabric FFs per operand bit of a DSP product, UltraScale(+): none, the slice registers it
    "dsp_product_bits_7series": 0.685,  # FIT: the same on 7-series (DSP48E1): the product leaves the slice (both z020 designs)
    "operand_bits": 0.134,      # FIT: Resource strategy multiplier operands, mostly absorbed into the DSP slices (berk m2/m3)
    "hold_bits": 1.0,           # STRUCTURAL: a streaming kernel's window carried with (RF 1) or held over (RF > 1) its call
    "state_bits": 1.0,          # STRUCTURAL: window, accumulator, output and FIFO registers, counted exactly
}

FITTED = {"lut": ("adder_bits", "sat_bits", "processes"),
          "ff": ("pipe_bits", "processes", "dsp_product_bits", "carried_bits", "dsp_product_bits_7series",
                 "operand_bits")}
