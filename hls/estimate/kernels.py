"""The matrix-vector kernels of Dense layers and of each convolution position (nnet_dense_latency.h,
nnet_dense_resource.h): what one kernel call builds and how long it takes, from the layer's own
weights. The rules (rules.py) instantiate them per layer.
"""
from __future__ import annotations

import math

import numpy as np

from hls.emulate.fixed import from_float
from hls.estimate import arith, fabric

# Resource strategy: one kernel call takes its reuse factor plus this pipeline depth.
RESOURCE_KERNEL_DEPTH = 5
# An adder tree's adders are on average this much wider than the products at its leaves (half of them
# are leaves: +1 bit, a quarter +2, ...), capped at the accumulator.
TREE_GROWTH_BITS = 2
_COUNTS = ("n_mult", "n_mult_zero_skipped", "multipliers", "dsp", "bram_18k")


def weight_matrix(layer, n_in, n_out):
    """The layer's kernel as (n_in, n_out) integers (FwLayer.kernel: whatever layout hls4ml wrote it
    in), the bias integers, and the weight width."""
    wt, bt = layer.typed("weight_t"), layer.typed("bias_t")
    if wt is None:
        raise KeyError(f"{layer.name}: no weight type")
    w, b = layer.kernel(n_in, n_out)
    q = from_float(w, wt).astype(np.int64)  # the literals as the compiler converts them (the emulator's conversion)
    bq = from_float(b, bt).astype(np.int64) if b is not None and bt is not None else np.zeros(1, np.int64)
    return q, bq, wt.width


def _resource_kernel(q, a_bits, w_bits, acc_bits, rf, ctx):
    """nnet_dense_resource.h: block_factor = n_in*n_out/RF general multipliers fed from a weight
    ROM, each accumulating into an output register; zero weights are stored, not skipped."""
    part = ctx["part"]
    units = math.ceil(q.size / rf)
    slices = arith.dsp_slices(a_bits, w_bits, part) if arith.variable_on_dsp(a_bits, w_bits) else 0
    word_bits = units * w_bits  # ARRAY_RESHAPE block: one ROM word per cycle, RF words deep
    in_bram = rf * min(word_bits, 36) > fabric.LUTRAM_MAX_BITS  # a 36-bit ROM column, RF deep
    bram = math.ceil(word_bits / 36) * math.ceil(rf / 512) if in_bram else 0
    lut = fabric.terms(mult_bits2=0 if slices else units * a_bits * w_bits, adder_bits=units * acc_bits,
                 rom_luts=0 if in_bram else word_bits * math.ceil(rf / 64),
                 mux_bits=units * a_bits * math.ceil(rf / arith.MUX_INPUTS_PER_LUT) if rf > 1 else 0)
    if ctx.get("saturating_accum"):  # every multiply-accumulate rounds and clamps into accum_t
        lut["sat_bits"] = units * acc_bits
    ff = fabric.terms(state_bits=(units + q.shape[1]) * acc_bits, operand_bits=units * (a_bits + w_bits),
                **_dsp_ff(units * slices, a_bits, w_bits, ctx))
    return {"n_mult": q.size, "n_mult_zero_skipped": 0, "multipliers": units, "dsp": units * slices,
            "lut_terms": lut, "ff_terms": ff, "bram_18k": bram,
            "depth": rf + RESOURCE_KERNEL_DEPTH, "ii": rf}


def _latency_kernel(q, bias_q, a_bits, w_bits, acc_bits, rf, ctx):
    """nnet_dense_latency.h: every nonzero weight is a constant product, on a DSP slice or built from
    shifts and adds (arith.constant_on_dsp); a constant product needing two slices is rebuilt in LUTs by
    Vivado synthesis. Each output sums its partial products in one adder tree: a DSP product is one
    term, a shift-and-add constant as many terms as it has nonzero digits (synthesis merges them into
    the tree). An adder is as wide as its operands grow, at most the accumulator."""
    nz = q != 0
    slices = np.vectorize(lambda b: arith.dsp_slices(a_bits, int(b), ctx["part"]), otypes=[np.int64])(
        np.maximum(arith.odd_bits(q), 1)) if q.size else np.zeros_like(q)
    on_dsp = nz & arith.constant_on_dsp(a_bits, q) & (slices == 1)
    digits = np.where(on_dsp, 1, np.where(nz, arith.csd_digits(q), 0))
    formed = 0.0
    if ctx.get("saturating_accum"):  # each product is rounded/clamped into accum_t before the sum: its
        # shifts and adds form it at full width first, and the tree sums one term per product
        formed = float((np.maximum(digits - 1, 0) * (a_bits + arith.bit_length(q))).sum())
        digits = nz.astype(np.int64)
    terms = digits.sum(axis=0) + (bias_q != 0)  # partial products entering each output's adder tree
    # an adder costs its operands' significant bits (the column's mean constant width; synthesis trims
    # the rest), a partial-sum register is as wide as its widest term
    bits = arith.bit_length(q)
    mean_bits = bits.sum(axis=0) / np.maximum(nz.sum(axis=0), 1)
    width = np.minimum(acc_bits, a_bits + mean_bits + TREE_GROWTH_BITS)
    reg_width = np.minimum(acc_bits, a_bits + bits.max(axis=0, initial=0) + TREE_GROWTH_BITS)
    adder_bits = float((np.maximum(terms - 1, 0) * width).sum()) + formed
    n_dsp = int(on_dsp.sum())
    shared = math.ceil(n_dsp / rf)  # Latency, RF > 1: ALLOCATION shares the DSP products
    lut = fabric.terms(adder_bits=adder_bits,
                 # RF > 1: a shared multiplier selects its input among the products it serves (4:1 per
                 # LUT6) and its constant from a table of the cycle count (a LUT6 is a 64-deep ROM)
                 mux_bits=shared * (a_bits * math.ceil(min(rf, math.ceil(n_dsp / max(shared, 1))) / arith.MUX_INPUTS_PER_LUT)
                                    + w_bits * math.ceil(rf / 64)) if rf > 1 else 0,
                 # a rounding/saturating accum_t: every product is rounded and every partial sum clamped
                 sat_bits=float((nz.sum(axis=0) * acc_bits).sum()) if ctx.get("saturating_accum") else 0)
    sums = nz.sum(axis=0) + (bias_q != 0)  # products (and bias) each output sums
    depth = _latency_schedule(q, n_dsp, rf, ctx, int(sums.max(initial=1)))
    if ctx.get("saturating_accum"):
        # acc[j] += mult[i] in a rounding/saturating accum_t is not associative: HLS keeps the chain of
        # n_in adds, fabric.CHAIN_OPS_PER_CYCLE to a clock, and carries the products not yet added down it
        # (berk m1: 40-product convolutions take 8 cycles a call at 10 ns)
        stages = math.ceil(int(sums.max(initial=1)) / fabric.chain_ops_per_cycle(ctx))
        depth = max(depth, stages) if rf <= 1 else depth
        srl, carried = fabric.carried(float((sums * reg_width).sum()), stages)
        lut = fabric.add_terms(lut, srl)
        tree_bits = 0.0
    else:
        # HLS pipelines the tree of products it scheduled (a constant product is one operation until
        # synthesis expands it), so its registers follow the product tree, not the shift-and-add terms
        carried, tree_bits = {}, float((np.maximum(sums - 1, 0) * reg_width).sum())
    ff = fabric.terms(pipe_bits=tree_bits / fabric.levels_per_cycle(ctx), **carried,
                # io_stream, RF > 1: the window is held while the shared multipliers work through it
                hold_bits=q.shape[0] * a_bits * depth / 2 if rf > 1 and ctx["io_type"] == "io_stream" else 0,
                **_dsp_ff(shared, a_bits, w_bits, ctx))
    return {"n_mult": int(nz.sum()), "n_mult_zero_skipped": int(q.size - nz.sum()),
            "multipliers": math.ceil(int(nz.sum()) / rf), "dsp": shared, "lut_terms": lut, "ff_terms": ff,
            "bram_18k": 0, "ii": rf,  # HLS schedules the tree of products (shifts and adds merge only in synthesis)
            "depth": depth}


def _dsp_ff(n_dsp, a_bits, w_bits, ctx):
    """Fabric registers around DSP products: 7-series designs carry the product out of the slice."""
    key = "dsp_product_bits_7series" if ctx["fam"] == "7series" else "dsp_product_bits"
    return {key: n_dsp * (a_bits + w_bits)}


def _latency_schedule(q, n_dsp, rf, ctx, terms):
    """Cycles of one Latency-strategy kernel call. RF 1: the products and their adder tree. RF > 1:
    `#pragma HLS ALLOCATION operation instances=mul limit=multiplier_limit` (hls4ml's
    ceil(n_in*n_out/RF) - n_zeros/RF) lets the scheduler issue that many DSP products per clock, so the
    call takes ceil(DSP products / limit) cycles; shift-and-add constants are not `mul` operations
    (pominiq z020 compute_output_buffer: 11 cycles for 33 DSP products at limit 3, 14 for 238 at 18)."""
    if rf <= 1:
        return fabric.compute_cycles(terms, ctx)
    limit = max(1, math.ceil(q.size / rf) - int((q == 0).sum()) // rf)
    return max(1, math.ceil(n_dsp / limit))


def kernel(layer, ctx, n_in, n_out, copies):
    """One kernel of n_in x n_out products instantiated `copies` times (io_parallel conv: pixels per
    partition)."""
    q, bq, w_bits = weight_matrix(layer, n_in, n_out)
    a_bits = fabric.width(layer.input_type)
    acc_bits = fabric.width(layer.typed("accum_t") or layer.output_type)
    rf = layer.reuse_factor
    ctx = {**ctx, "saturating_accum": fabric.saturating(layer.typed("accum_t"))}
    if layer.strategy == "resource":
        row = _resource_kernel(q, a_bits, w_bits, acc_bits, rf, ctx)
    else:
        row = _latency_kernel(q, bq, a_bits, w_bits, acc_bits, rf, ctx)
    out_bits = fabric.width(layer.output_type)
    casts = fabric.cast_bits(layer, n_out)
    row.update({k: row[k] * copies for k in _COUNTS})
    row["lut_terms"] = fabric.add_terms(fabric.scale_terms(row["lut_terms"], copies), fabric.terms(cast_bits=casts * copies))
    row["ff_terms"] = fabric.add_terms(fabric.scale_terms(row["ff_terms"], copies), fabric.terms(state_bits=n_out * out_bits * copies))
    return {**row, "mult_width": [a_bits, w_bits]}
