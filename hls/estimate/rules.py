"""Cost rules, one per nnet function family of a written hls4ml project (hls/project.py FwLayer):
what the layer's template in nnet_utils builds, in DSP, LUT, FF and BRAM_18K, and its latency and
interval in cycles. RULES maps a function name to its rule, as hls4ml maps layer types to templates.

io_stream layers take one pixel (a packed channel vector) per clock through line buffers and
per-channel FIFOs; io_parallel layers are unrolled under one top-level pipeline.
"""
from __future__ import annotations

import math

import numpy as np

from hls.estimate import arith

# ---- element-wise layers ----------------------------------------------------------------------------
TABLE_ACTIVATIONS = ("sigmoid", "tanh", "softplus", "softsign", "elu", "selu")  # nnet_activation.h tables
# Softmax: index logic, sum tree, a product per output (sparsepix post-synthesis instances: 413 and 292
# LUT, 386 and 308 FF for 5 inputs).
SOFTMAX_LUT_PER_INPUT = 70
SOFTMAX_FF_PER_INPUT = 70
# io_parallel softmax: the exp and 1/sum table reads take a clock each, the max/subtract/sum/product
# logic about 10 ns (csynth: 4 cycles at 5 ns, seanlipps; 2 at 25 ns, pominiq)
SOFTMAX_TABLE_READS = 2
SOFTMAX_LOGIC_NS = 10.0
SOFTMAX_TABLE_COPIES = 2  # exp and 1/sum tables read in parallel: 2 copies (fixture: 4 BRAM_18K)

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
ACT_DEPTH = 2  # element-wise process: read+operate, write (relu: 2 cycles for one beat, 7-series)
LOOP_EXIT_CYCLES = 1  # a pipelined loop of > 1 trip adds its exit cycle (relu: 902 for 900 beats)
# Resource strategy: one kernel call takes its reuse factor plus this pipeline depth.
RESOURCE_KERNEL_DEPTH = 5
# A Resource-strategy streaming convolution is not pipelined: each input pixel takes this many cycles
# (read, window shift, counters: 6 for a 3-tap 1-channel conv, 8 for 5-tap 8-channel ones), and a pixel
# that completes a window also runs the kernel: +1 at RF 1 (no reuse loop), RF + 3 for the reuse loop
# (entry, RF trips, multiply-add depth, exit). csynth reports the maximum: berk m2/m3 ReadInputWidth
# loops 6~7 cycles per pixel at RF 1, 8~13 at RF 2, 6~12 at RF 3.
RESOURCE_PIXEL_CYCLES = 7
# An adder tree's adders are on average this much wider than the products at its leaves (half of them
# are leaves: +1 bit, a quarter +2, ...), capped at the accumulator.
TREE_GROWTH_BITS = 2


# ---- shapes -----------------------------------------------------------------------------------------
def _width(t, default=16) -> int:
    return int(t.width) if t is not None else default


def in_pixels(layer) -> int:
    c = layer.config
    return int(c.get("in_width") or c.get("n_in") or 1) * int(c.get("in_height") or 1)


def out_pixels(layer) -> int:
    c = layer.config
    return int(c.get("out_width") or c.get("n_out") or 1) * int(c.get("out_height") or 1)


def n_elements(layer) -> int:
    """Elements of the layer's output tensor (element-wise layers: config n_in)."""
    c = layer.config
    if c.get("n_in") is not None and c.get("n_filt") is None and c.get("n_out") is None:
        return int(c["n_in"])
    if c.get("n_elem") is not None:
        return int(c["n_elem"])
    return out_pixels(layer) * int(c.get("n_filt") or c.get("n_chan") or 1)


def lanes(layer, io_type) -> int:
    """Elements processed at once: a pixel's channels (io_stream beat), else the whole tensor."""
    if io_type == "io_stream":
        t = layer.output_type or layer.input_type
        return int(t.lanes) if t is not None else 1
    return n_elements(layer)


def beats(layer, io_type) -> int:
    """Stream beats through an element-wise layer: elements / lanes."""
    return max(1, n_elements(layer) // max(1, lanes(layer, io_type))) if io_type == "io_stream" else 1


def input_beats(layer) -> int:
    """Stream beats a layer reads: its input elements over the lanes of its input type."""
    c, t = layer.config, layer.input_type
    if c.get("in_width") is not None:
        elements = in_pixels(layer) * int(c.get("n_chan") or c.get("n_filt") or 1)
    elif c.get("n_filt") is not None and c.get("n_in") is not None:  # global pooling: n_in pixels
        elements = int(c["n_in"]) * int(c["n_filt"])
    else:
        elements = int(c.get("n_in") or c.get("n_elem") or c.get("n_elem1_0") or 1)
    return max(1, elements // max(1, t.lanes if t is not None else 1))


def _loop(trips, depth, ii=1):  # latency of a pipelined loop (one trip is no loop: no exit cycle)
    return depth + ((trips - 1) * ii + LOOP_EXIT_CYCLES if trips > 1 else 0)


def _level_ns(ctx) -> float:
    """Delay of one adder level: the reference table's clock over its levels per clock."""
    return REFERENCE_CLOCK_NS / ADD_LEVELS_PER_CYCLE[ctx["fam"]]


def _levels_per_cycle(ctx) -> int:
    """Adder levels HLS chains in one clock."""
    return max(1, int(ctx["clock_period_ns"] / _level_ns(ctx)))


def _compute_cycles(terms, ctx):
    """Pipeline depth of one unrolled multiply + adder tree of `terms` inputs: the product (MULT_CYCLES
    at the reference clock) and the tree's levels, chained as far as the clock allows (25 ns: the
    pominiq u50 convolution's whole call is one cycle)."""
    levels = math.ceil(math.log2(max(terms, 2)))
    delay = MULT_CYCLES[ctx["fam"]] * REFERENCE_CLOCK_NS + levels * _level_ns(ctx)
    return max(1, math.ceil(delay / ctx["clock_period_ns"] - 1e-9))


def _terms(**kv):  # a cost-quantity dict without zero entries
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


def _scale_terms(d, factor):
    return {k: v * factor for k, v in d.items()}


# ---- matrix-vector kernels (Dense, and the per-position kernel of a convolution) -------------------
def _weight_matrix(layer, n_in, n_out):
    """The layer's kernel as (n_in, n_out) integers, whatever layout hls4ml wrote it in (Resource
    strategy: Dense (n_out, n_in), see the fixtures README), and the bias integers."""
    w_name = next((k for k in layer.weights if k.startswith("w")), None)
    b_name = next((k for k in layer.weights if k.startswith("b")), None)
    wt, bt = layer.typed("weight_t"), layer.typed("bias_t")
    if w_name is None or wt is None:
        raise KeyError(f"{layer.name}: no weights")
    q = arith.weight_ints(layer.weights[w_name], wt.width, wt.integer, wt.signed)
    if q.size != n_in * n_out:
        raise KeyError(f"{layer.name}: {q.size} weights for {n_in} x {n_out}")
    q = q.reshape(n_out, n_in).T if layer.strategy == "resource" and layer.function == "dense" else \
        q.reshape(n_in, n_out)
    b = layer.weights.get(b_name) if b_name else None
    bq = arith.weight_ints(b, bt.width, bt.integer, bt.signed) if b is not None and bt is not None else np.zeros(1)
    return q, bq, wt.width


def _saturating(t) -> bool:
    """A type whose every assignment rounds or saturates (ap_fixed<..., AP_RND*, AP_SAT*>)."""
    return t is not None and (t.rounding != "TRN" or t.saturation != "WRAP")


def _resource_kernel(q, a_bits, w_bits, acc_bits, rf, ctx):
    """nnet_dense_resource.h: block_factor = n_in*n_out/RF general multipliers fed from a weight
    ROM, each accumulating into an output register; zero weights are stored, not skipped."""
    part = ctx["part"]
    units = math.ceil(q.size / rf)
    slices = arith.dsp_slices(a_bits, w_bits, part) if arith.variable_on_dsp(a_bits, w_bits) else 0
    word_bits = units * w_bits  # ARRAY_RESHAPE block: one ROM word per cycle, RF words deep
    in_bram = rf * min(word_bits, 36) > LUTRAM_MAX_BITS  # a 36-bit ROM column, RF deep
    bram = math.ceil(word_bits / 36) * math.ceil(rf / 512) if in_bram else 0
    lut = _terms(mult_bits2=0 if slices else units * a_bits * w_bits, adder_bits=units * acc_bits,
                 rom_luts=0 if in_bram else word_bits * math.ceil(rf / 64),
                 mux_bits=units * a_bits * math.ceil(rf / arith.MUX_INPUTS_PER_LUT) if rf > 1 else 0)
    if ctx.get("saturating_accum"):  # every multiply-accumulate rounds and clamps into accum_t
        lut["sat_bits"] = units * acc_bits
    ff = _terms(state_bits=(units + q.shape[1]) * acc_bits, operand_bits=units * (a_bits + w_bits),
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
    lut = _terms(adder_bits=adder_bits,
                 mux_bits=shared * (a_bits + w_bits) * math.ceil(rf / arith.MUX_INPUTS_PER_LUT) if rf > 1 else 0,
                 # a rounding/saturating accum_t: every product is rounded and every partial sum clamped
                 sat_bits=float((nz.sum(axis=0) * acc_bits).sum()) if ctx.get("saturating_accum") else 0)
    sums = nz.sum(axis=0) + (bias_q != 0)  # products (and bias) each output sums
    depth = _latency_schedule(q, n_dsp, rf, ctx, int(sums.max(initial=1)))
    if ctx.get("saturating_accum"):
        # acc[j] += mult[i] in a rounding/saturating accum_t is not associative: HLS keeps the chain of
        # n_in adds, CHAIN_OPS_PER_CYCLE to a clock, and carries the products not yet added down it
        # (berk m1: 40-product convolutions take 8 cycles a call at 10 ns)
        stages = math.ceil(int(sums.max(initial=1)) / _chain_ops_per_cycle(ctx))
        depth = max(depth, stages) if rf <= 1 else depth
        srl, carried = _carried(float((sums * reg_width).sum()), stages)
        lut = add_terms(lut, srl)
        tree_bits = 0.0
    else:
        # HLS pipelines the tree of products it scheduled (a constant product is one operation until
        # synthesis expands it), so its registers follow the product tree, not the shift-and-add terms
        carried, tree_bits = {}, float((np.maximum(sums - 1, 0) * reg_width).sum())
    ff = _terms(pipe_bits=tree_bits / _levels_per_cycle(ctx), **carried,
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
        return _compute_cycles(terms, ctx)
    limit = max(1, math.ceil(q.size / rf) - int((q == 0).sum()) // rf)
    return max(1, math.ceil(n_dsp / limit))


_COUNTS = ("n_mult", "n_mult_zero_skipped", "multipliers", "dsp", "bram_18k")


def _kernel(layer, ctx, n_in, n_out, copies):
    """One kernel of n_in x n_out products instantiated `copies` times (io_parallel conv: pixels per
    partition)."""
    q, bq, w_bits = _weight_matrix(layer, n_in, n_out)
    a_bits = _width(layer.input_type)
    acc_bits = _width(layer.typed("accum_t") or layer.output_type)
    rf = layer.reuse_factor
    ctx = {**ctx, "saturating_accum": _saturating(layer.typed("accum_t"))}
    if layer.strategy == "resource":
        row = _resource_kernel(q, a_bits, w_bits, acc_bits, rf, ctx)
    else:
        row = _latency_kernel(q, bq, a_bits, w_bits, acc_bits, rf, ctx)
    out_bits = _width(layer.output_type)
    casts = _cast_bits(layer, n_out)
    row.update({k: row[k] * copies for k in _COUNTS})
    row["lut_terms"] = add_terms(_scale_terms(row["lut_terms"], copies), _terms(cast_bits=casts * copies))
    row["ff_terms"] = add_terms(_scale_terms(row["ff_terms"], copies), _terms(state_bits=n_out * out_bits * copies))
    return {**row, "mult_width": [a_bits, w_bits]}


def _cast_bits(layer, n):
    """Output bits of `n` values cast with rounding or saturation (AP_RND*, AP_SAT*): an incrementer and
    a clamp each; truncation and wrap-around are wiring."""
    t = layer.output_type
    return n * t.width if _saturating(t) else 0


def _line_buffer(layer, fh, fw, n_chan, bits):
    """ap_shift_reg line buffers ((fh-1) x n_chan x bits, in_width deep: SRL32) + window registers."""
    srl = (fh - 1) * n_chan * bits * math.ceil(int(layer.config.get("in_width") or 1) / SRL_DEPTH)
    return {"srl_luts": srl}, {"state_bits": fh * fw * n_chan * bits}


# ---- rules --------------------------------------------------------------------------------------------
def conv(layer, ctx):
    c = layer.config
    fh, fw, n_chan, n_filt = (int(c.get(k) or 1) for k in ("filt_height", "filt_width", "n_chan", "n_filt"))
    depthwise = layer.function.startswith("depthwise")
    n_in, n_out = (fh * fw, n_chan) if depthwise else (fh * fw * n_chan, n_filt)
    if ctx["io_type"] == "io_stream":  # one kernel instance, fed one input pixel per RF clocks
        row = _kernel(layer, ctx, n_in, n_out, copies=1)
        srl, window = _line_buffer(layer, fh, fw, n_chan, row["mult_width"][0])
        if layer.reuse_factor <= 1 and row["depth"] > 1:  # compute_output_buffer is pipelined at one
            # call a pixel while the window shifts under it: the window it multiplies is carried with a
            # call of more than one cycle (sparsepix post-synthesis, per instance: conv FFs exceed the
            # window + tree by about one window)
            window = add_terms(window, _terms(hold_bits=n_in * row["mult_width"][0]))
        add_costs(row, srl, window)
        depth, ii = row.pop("depth"), row.pop("ii")
        per_pixel = _conv_pixel_cycles(layer, ctx, depth, ii)
        streaming = (in_pixels(layer) - 1) * per_pixel
        lat = streaming + depth + STREAM_RW_CYCLES
        return {**row, "latency_cycles": lat, "ii_cycles": lat, "stream_cycles": streaming}
    out_px = out_pixels(layer)
    n_part = int(c.get("n_partitions") or out_px)  # ParallelizationFactor = out_px / n_partitions
    copies = max(1, out_px // n_part)
    row = _kernel(layer, ctx, n_in, n_out, copies=copies)
    if n_part > 1:  # each kernel copy reads its window from one of n_part positions, and writes one of them
        a_bits, out_bits = row["mult_width"][0], _width(layer.output_type)
        add_costs(row, _terms(mux_bits=copies * n_in * a_bits * math.ceil(n_part / arith.MUX_INPUTS_PER_LUT)),
                  # a DATAFLOW top counts the output array as its channel
                  None if ctx.get("dataflow") else _terms(state_bits=out_px * n_out * out_bits))
    ii = n_part * row.pop("ii")
    return {**row, "latency_cycles": ii + row.pop("depth"), "ii_cycles": ii}


def _conv_pixel_cycles(layer, ctx, depth, ii):
    """Clocks between input pixels of a streaming convolution (nnet_conv_stream.h: the pixel loop is
    pipelined at II = RF in the Latency strategy; compute_output_buffer is INLINE OFF and keeps its
    window and counters in static variables)."""
    rf = layer.reuse_factor
    if layer.strategy == "resource":
        return RESOURCE_PIXEL_CYCLES + (1 if rf <= 1 else rf + 3)
    if ctx["backend"] == "vitis":  # Vitis HLS does not overlap calls that carry static state: one call
        return max(ii, depth)  # per pixel, whole (seanlipps stream conv1: II 3, its call's latency)
    # Vivado HLS overlaps the calls; a call shorter than RF (+ read and write) sets the interval itself
    # (pominiq z020: target II 16, achieved 13 and 16 with 11- and 14-cycle calls)
    return min(ii, depth + STREAM_RW_CYCLES) if rf > 1 else ii


def dense(layer, ctx):
    c = layer.config
    row = _kernel(layer, ctx, int(c["n_in"]), int(c["n_out"]), copies=1)
    depth, ii = row.pop("depth"), row.pop("ii")
    if ctx["io_type"] == "io_stream":  # nnet_dense_stream.h: read all beats, compute, write
        lat = input_beats(layer) - 1 + depth + STREAM_RW_CYCLES
        return {**row, "latency_cycles": lat, "ii_cycles": lat}
    return {**row, "latency_cycles": depth, "ii_cycles": ii}


def _elementwise(layer, ctx, lut_each=None, ff_each=None, dsp_each=0, depth=ACT_DEPTH):
    """The same operation on every element: `lut_each`/`ff_each` are cost-quantity dicts per lane."""
    n_par, packs = lanes(layer, ctx["io_type"]), beats(layer, ctx["io_type"])
    lat = _loop(packs, depth)
    return {"dsp": dsp_each * n_par, "lut_terms": _scale_terms(lut_each or {}, n_par),
            "ff_terms": _scale_terms(ff_each or {}, n_par), "latency_cycles": lat,
            "ii_cycles": lat if packs > 1 else 1}


def _table_bits(layer, key, size_key="table_size"):  # ROM bits of a lookup table
    size = int(layer.get(size_key) or layer.get("table_size") or 1024)
    return size * _width(layer.typed(key), 18)


def _registers(layer, ctx):
    """io_parallel output registers of an element-wise layer in a pipelined top (a register per output bit);
    in a DATAFLOW top the output array is a ping-pong channel, counted once per layer (pipo_channel)."""
    return _terms(state_bits=_width(layer.output_type)) if ctx["io_type"] == "io_parallel" and \
        not ctx.get("dataflow") else {}


def pipo_channel(layer) -> tuple:
    """An io_parallel DATAFLOW channel: the layer's fully partitioned output array between two processes,
    double-buffered (ping-pong) in registers with a 2:1 select per bit. Read off seanlipps' io_parallel
    csynth report: the top-level itself (total less its instances) holds 152k FF and 148k LUT for 84k
    channel bits."""
    bits = n_elements(layer) * _width(layer.output_type)
    return _terms(mux_bits=bits), _terms(state_bits=2 * bits)


def activation(layer, ctx):
    act = layer.function
    if act == "linear":
        return _elementwise(layer, ctx, _terms(cast_bits=_cast_bits(layer, 1)), depth=1)
    if act in TABLE_ACTIVATIONS:  # nnet_activation.h: a ROM lookup per element, 2 reads per BRAM
        rom_bits = _table_bits(layer, "table_t")
        lut = _terms(mux_bits=_width(layer.input_type), rom_luts=0 if rom_bits > LUTRAM_MAX_BITS else rom_bits / 64)
        row = _elementwise(layer, ctx, lut, _registers(layer, ctx), depth=ACT_DEPTH + 1)
        if rom_bits > LUTRAM_MAX_BITS:
            row["bram_18k"] = math.ceil(lanes(layer, ctx["io_type"]) / 2) * math.ceil(rom_bits / BRAM18_BITS)
        return row
    if act != "relu":
        ctx["assumptions"].append(f"{layer.name}: activation '{act}' costed like a ReLU")
    lut = _terms(relu_bits=_width(layer.output_type), cast_bits=_cast_bits(layer, 1))
    # io_parallel: a select per bit, chained into the neighbouring stages (csynth: 0 cycles in both
    # io_parallel fixtures, at 5 and 25 ns)
    if ctx["io_type"] == "io_parallel":  # no register stage of its own either
        if ctx.get("dataflow"):  # its output is a ping-pong channel: the select cannot merge forward
            lut = add_terms(lut, _terms(mux_bits=lut.pop("relu_bits", 0)))
        return _elementwise(layer, ctx, lut, {}, depth=0)
    return _elementwise(layer, ctx, lut)


def batchnorm(layer, ctx):
    """nnet_batchnorm(_stream).h: one scale product and one bias add per channel."""
    a, out = _width(layer.input_type), _width(layer.output_type)
    s = _width(layer.typed("scale_t"), 16)
    dsp = arith.dsp_slices(a, s, ctx["part"]) if arith.variable_on_dsp(a, s) else 0
    lut = _terms(mult_bits2=0 if dsp else a * s, adder_bits=out, cast_bits=_cast_bits(layer, 1))
    row = _elementwise(layer, ctx, lut, _terms(state_bits=out), dsp_each=dsp, depth=1 + MULT_CYCLES[ctx["fam"]])
    n = int(layer.get("n_filt") or layer.get("n_in") or 1)
    return {**row, "n_mult": n, "multipliers": n, "mult_width": [a, s]}


def pooling(layer, ctx):
    bits = _width(layer.input_type)
    ph, pw = int(layer.get("pool_height", 1)), int(layer.get("pool_width", 1))
    window = ph * pw - 1
    average = str(layer.get("pool_op", "Max")).lower() != "max"
    lut = _terms(adder_bits=bits * window) if average else _terms(compare_bits=bits * window)
    row = _elementwise(layer, ctx, add_terms(lut, _terms(cast_bits=_cast_bits(layer, 1))), _registers(layer, ctx),
                       depth=ACT_DEPTH + 1)
    if ctx["io_type"] == "io_stream":  # line buffer, one input pixel a clock
        srl, win = _line_buffer(layer, ph, pw, int(layer.get("n_filt", 1)), bits)
        lat = _loop(in_pixels(layer), ACT_DEPTH + 1)
        add_costs(row, srl, win).update(latency_cycles=lat, ii_cycles=lat)
    return row


def global_pooling(layer, ctx):
    """nnet_pooling(_stream).h global pooling: an adder (average) or comparator (max) tree per channel over
    all input pixels; an average over a count that is not a power of two divides by a constant."""
    bits, n_filt = _width(layer.input_type), int(layer.get("n_filt", 1))
    n = in_pixels(layer)
    average = str(layer.get("pool_op", "Max")).lower() != "max"
    key = "adder_bits" if average else "compare_bits"
    divide = _terms(mult_bits2=bits * bits / 2) if average and n & (n - 1) else {}
    depth = ACT_DEPTH + _compute_cycles(n, ctx)
    if ctx["io_type"] == "io_stream":  # one pixel a clock into per-channel accumulators
        lat = _loop(n, ACT_DEPTH) + depth
        return {"dsp": 0, "lut_terms": _scale_terms(add_terms({key: bits}, divide), n_filt),
                "ff_terms": _terms(state_bits=n_filt * bits), "latency_cycles": lat, "ii_cycles": lat}
    # io_parallel: nnet_pooling.h max()/avg() fold the n inputs in a loop, a chain of n - 1 operations
    # (not a tree) that HLS pipelines CHAIN_OPS_PER_CYCLE to a clock, carrying the inputs not yet folded
    # (seanlipps global max over 128: 44 cycles at 5 ns)
    stages = math.ceil((n - 1) / _chain_ops_per_cycle(ctx)) + 1
    chain = add_terms({key: bits * (n - 1)}, divide)
    srl, carried = _carried(n_filt * bits * n, stages)
    return {"dsp": 0, "lut_terms": add_terms(_scale_terms(chain, n_filt), srl), "ff_terms": carried,
            "latency_cycles": stages, "ii_cycles": 1}


def _carried(signals, stages):
    """Signals delayed down a pipelined chain until it consumes them (on average half its stages):
    Vivado synthesis turns such register runs into shift-register LUTs (SRLC32E), leaving a fraction
    of the register bits as FFs (carried_bits, fitted)."""
    if stages <= 1:
        return {}, {}
    return _terms(srl_luts=signals * math.ceil(stages / 2 / SRL_DEPTH)), _terms(carried_bits=signals * stages / 2)


def _chain_ops_per_cycle(ctx) -> int:
    return max(1, int(CHAIN_OPS_PER_CYCLE * ctx["clock_period_ns"] / REFERENCE_CLOCK_NS))


def merge(layer, ctx):
    """nnet_merge(_stream).h: Add is one adder per element; Concatenate only wires its inputs together."""
    if layer.function.startswith("concatenate"):
        return _elementwise(layer, ctx, {}, _registers(layer, ctx), depth=1)
    return _elementwise(layer, ctx, _terms(adder_bits=_width(layer.output_type)), _registers(layer, ctx),
                        depth=1)


def softmax(layer, ctx):  # nnet_activation(_stream).h: exp and 1/sum tables, a product per output
    n = int(layer.get("n_in", 1))
    bram = sum(math.ceil(_table_bits(layer, t, s) / BRAM18_BITS)
               for t, s in (("exp_table_t", "exp_table_size"), ("inv_table_t", "inv_table_size")))
    if ctx["io_type"] == "io_parallel":  # two registered table reads, the logic around them chained
        depth = SOFTMAX_TABLE_READS + int(SOFTMAX_LOGIC_NS / ctx["clock_period_ns"])
    else:
        depth = 3 + _compute_cycles(n, ctx)  # read, exp lookup, sum, 1/sum lookup, product, write
    return {"dsp": n, "lut_terms": {"fixed": SOFTMAX_LUT_PER_INPUT * n}, "ff_terms": {"fixed": SOFTMAX_FF_PER_INPUT * n},
            "bram_18k": bram * SOFTMAX_TABLE_COPIES, "latency_cycles": depth, "ii_cycles": depth,
            "n_mult": n, "multipliers": n, "mult_width": [18, 18]}


def free(layer, ctx):  # wiring: repacking and copies of a stream cost only their FIFOs
    return {"process": False}


def padding(layer, ctx):  # nnet_padding_stream.h: forwards pixels and inserts zeros, 1 per clock
    return _elementwise(layer, ctx, {}, _registers(layer, ctx))


# nnet function (or its prefix before the io suffix) -> rule
RULES = {
    "conv_1d_cl": conv, "conv_2d_cl": conv, "pointwise_conv_1d_cl": conv, "pointwise_conv_2d_cl": conv,
    "depthwise_conv_1d_cl": conv, "depthwise_conv_2d_cl": conv, "dense": dense, "dense_latency": dense,
    "dense_resource": dense, "normalize": batchnorm, "softmax": softmax, "pooling1d_cl": pooling,
    "pooling2d_cl": pooling, "global_pooling1d_cl": global_pooling, "global_pooling2d_cl": global_pooling,
    "zeropad1d_cl": padding, "zeropad2d_cl": padding, "add": merge, "subtract": merge, "multiply": merge,
    "average": merge, "maximum": merge, "minimum": merge, "concatenate1d": merge, "concatenate2d": merge,
    "concatenate3d": merge, "clone_stream": free, "repack_stream": free, "broadcast_stream": free,
    "transpose": free,
    **{act: activation for act in ("relu", "linear", "leaky_relu", "elu", "selu", "prelu", "thresholded_relu",
                                   "hard_sigmoid", "hard_tanh", "binary_tanh", "ternary_tanh", "softsign",
                                   "softplus", "sigmoid", "tanh")},
}
