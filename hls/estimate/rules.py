"""Cost rules, one per nnet function family of a written hls4ml project (hls/project.py FwLayer):
what the layer's template in nnet_utils builds, in DSP, LUT, FF and BRAM_18K, and its latency and
interval in cycles. RULES maps a function name to its rule, as hls4ml maps layer types to templates.

io_stream layers take one pixel (a packed channel vector) per clock through line buffers and
per-channel FIFOs; io_parallel layers are unrolled under one top-level pipeline.
"""
from __future__ import annotations

import math

from hls.estimate import arith, fabric, kernels

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

# ---- timing -------------------------------------------------------------------------------------------
ACT_DEPTH = 2  # element-wise process: read+operate, write (relu: 2 cycles for one beat, 7-series)
# A Resource-strategy streaming convolution is not pipelined: each input pixel takes this many cycles
# (read, window shift, counters: 6 for a 3-tap 1-channel conv, 8 for 5-tap 8-channel ones), and a pixel
# that completes a window also runs the kernel: +1 at RF 1 (no reuse loop), RF + 3 for the reuse loop
# (entry, RF trips, multiply-add depth, exit). csynth reports the maximum: berk m2/m3 ReadInputWidth
# loops 6~7 cycles per pixel at RF 1, 8~13 at RF 2, 6~12 at RF 3.
RESOURCE_PIXEL_CYCLES = 7


# ---- shapes -----------------------------------------------------------------------------------------


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


def _line_buffer(layer, fh, fw, n_chan, bits):
    """ap_shift_reg line buffers ((fh-1) x n_chan x bits, in_width deep: SRL32) + window registers."""
    srl = (fh - 1) * n_chan * bits * math.ceil(int(layer.config.get("in_width") or 1) / fabric.SRL_DEPTH)
    return {"srl_luts": srl}, {"state_bits": fh * fw * n_chan * bits}


# ---- rules --------------------------------------------------------------------------------------------
def conv(layer, ctx):
    c = layer.config
    fh, fw, n_chan, n_filt = (int(c.get(k) or 1) for k in ("filt_height", "filt_width", "n_chan", "n_filt"))
    depthwise = layer.function.startswith("depthwise")
    n_in, n_out = (fh * fw, n_chan) if depthwise else (fh * fw * n_chan, n_filt)
    if ctx["io_type"] == "io_stream":  # one kernel instance, fed one input pixel per RF clocks
        row = kernels.kernel(layer, ctx, n_in, n_out, copies=1)
        srl, window = _line_buffer(layer, fh, fw, n_chan, row["mult_width"][0])
        if layer.reuse_factor <= 1 and row["depth"] > 1:  # compute_output_buffer is pipelined at one
            # call a pixel while the window shifts under it: the window it multiplies is carried with a
            # call of more than one cycle (sparsepix post-synthesis, per instance: conv FFs exceed the
            # window + tree by about one window)
            window = fabric.add_terms(window, fabric.terms(hold_bits=n_in * row["mult_width"][0]))
        fabric.add_costs(row, srl, window)
        depth, ii = row.pop("depth"), row.pop("ii")
        per_pixel = _conv_pixel_cycles(layer, ctx, depth, ii)
        streaming = (in_pixels(layer) - 1) * per_pixel
        lat = streaming + depth + fabric.STREAM_RW_CYCLES
        return {**row, "latency_cycles": lat, "ii_cycles": lat, "stream_cycles": streaming}
    out_px = out_pixels(layer)
    n_part = int(c.get("n_partitions") or out_px)  # ParallelizationFactor = out_px / n_partitions
    copies = max(1, out_px // n_part)
    row = kernels.kernel(layer, ctx, n_in, n_out, copies=copies)
    if n_part > 1:  # each kernel copy reads its window from one of n_part positions, and writes one of them
        a_bits, out_bits = row["mult_width"][0], fabric.width(layer.output_type)
        fabric.add_costs(row, fabric.terms(mux_bits=copies * n_in * a_bits * math.ceil(n_part / arith.MUX_INPUTS_PER_LUT)),
                  # a DATAFLOW top counts the output array as its channel
                  None if ctx.get("dataflow") else fabric.terms(state_bits=out_px * n_out * out_bits))
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
    return min(ii, depth + fabric.STREAM_RW_CYCLES) if rf > 1 else ii


def dense(layer, ctx):
    c = layer.config
    row = kernels.kernel(layer, ctx, int(c["n_in"]), int(c["n_out"]), copies=1)
    depth, ii = row.pop("depth"), row.pop("ii")
    if ctx["io_type"] == "io_stream":  # nnet_dense_stream.h: read all beats, compute, write
        lat = input_beats(layer) - 1 + depth + fabric.STREAM_RW_CYCLES
        return {**row, "latency_cycles": lat, "ii_cycles": lat}
    return {**row, "latency_cycles": depth, "ii_cycles": ii}


def _elementwise(layer, ctx, lut_each=None, ff_each=None, dsp_each=0, depth=ACT_DEPTH):
    """The same operation on every element: `lut_each`/`ff_each` are cost-quantity dicts per lane."""
    n_par, packs = lanes(layer, ctx["io_type"]), beats(layer, ctx["io_type"])
    lat = fabric.loop(packs, depth)
    return {"dsp": dsp_each * n_par, "lut_terms": fabric.scale_terms(lut_each or {}, n_par),
            "ff_terms": fabric.scale_terms(ff_each or {}, n_par), "latency_cycles": lat,
            "ii_cycles": lat if packs > 1 else 1}


def _table_bits(layer, key, size_key="table_size"):  # ROM bits of a lookup table
    size = int(layer.get(size_key) or layer.get("table_size") or 1024)
    return size * fabric.width(layer.typed(key), 18)


def _registers(layer, ctx):
    """io_parallel output registers of an element-wise layer in a pipelined top (a register per output bit);
    in a DATAFLOW top the output array is a ping-pong channel, counted once per layer (pipo_channel)."""
    return fabric.terms(state_bits=fabric.width(layer.output_type)) if ctx["io_type"] == "io_parallel" and \
        not ctx.get("dataflow") else {}


def pipo_channel(layer) -> tuple:
    """An io_parallel DATAFLOW channel: the layer's fully partitioned output array between two processes,
    double-buffered (ping-pong) in registers with a 2:1 select per bit. Read off seanlipps' io_parallel
    csynth report: the top-level itself (total less its instances) holds 152k FF and 148k LUT for 84k
    channel bits."""
    bits = n_elements(layer) * fabric.width(layer.output_type)
    return fabric.terms(mux_bits=bits), fabric.terms(state_bits=2 * bits)


def activation(layer, ctx):
    act = layer.function
    if act == "linear":
        return _elementwise(layer, ctx, fabric.terms(cast_bits=fabric.cast_bits(layer, 1)), depth=1)
    if act in TABLE_ACTIVATIONS:  # nnet_activation.h: a ROM lookup per element, 2 reads per BRAM
        rom_bits = _table_bits(layer, "table_t")
        lut = fabric.terms(mux_bits=fabric.width(layer.input_type), rom_luts=0 if rom_bits > fabric.LUTRAM_MAX_BITS else rom_bits / 64)
        row = _elementwise(layer, ctx, lut, _registers(layer, ctx), depth=ACT_DEPTH + 1)
        if rom_bits > fabric.LUTRAM_MAX_BITS:
            row["bram_18k"] = math.ceil(lanes(layer, ctx["io_type"]) / 2) * math.ceil(rom_bits / fabric.BRAM18_BITS)
        return row
    if act != "relu":
        ctx["assumptions"].append(f"{layer.name}: activation '{act}' costed like a ReLU")
    lut = fabric.terms(relu_bits=fabric.width(layer.output_type), cast_bits=fabric.cast_bits(layer, 1))
    if ctx["io_type"] == "io_parallel":  # chained into the neighbouring stages, no register stage of its
        # own (csynth: 0 cycles in both io_parallel fixtures, at 5 and 25 ns)
        select = lut.pop("relu_bits", 0)
        if ctx.get("dataflow"):  # its output is a ping-pong channel: a select per bit
            lut = fabric.add_terms(lut, fabric.terms(mux_bits=select))
        # else the select merges into the next layer's adders
        return _elementwise(layer, ctx, lut, {}, depth=0)
    return _elementwise(layer, ctx, lut)  # its own process between FIFOs


def batchnorm(layer, ctx):
    """nnet_batchnorm(_stream).h: one scale product and one bias add per channel."""
    a, out = fabric.width(layer.input_type), fabric.width(layer.output_type)
    s = fabric.width(layer.typed("scale_t"), 16)
    dsp = arith.dsp_slices(a, s, ctx["part"]) if arith.variable_on_dsp(a, s) else 0
    lut = fabric.terms(mult_bits2=0 if dsp else a * s, adder_bits=out, cast_bits=fabric.cast_bits(layer, 1))
    row = _elementwise(layer, ctx, lut, fabric.terms(state_bits=out), dsp_each=dsp, depth=1 + fabric.MULT_CYCLES[ctx["fam"]])
    n = int(layer.get("n_filt") or layer.get("n_in") or 1)
    return {**row, "n_mult": n, "multipliers": n, "mult_width": [a, s]}


def pooling(layer, ctx):
    bits = fabric.width(layer.input_type)
    ph, pw = int(layer.get("pool_height", 1)), int(layer.get("pool_width", 1))
    window = ph * pw - 1
    average = str(layer.get("pool_op", "Max")).lower() != "max"
    lut = fabric.terms(adder_bits=bits * window) if average else fabric.terms(compare_bits=bits * window)
    row = _elementwise(layer, ctx, fabric.add_terms(lut, fabric.terms(cast_bits=fabric.cast_bits(layer, 1))), _registers(layer, ctx),
                       depth=ACT_DEPTH + 1)
    if ctx["io_type"] == "io_stream":  # line buffer, one input pixel a clock
        srl, win = _line_buffer(layer, ph, pw, int(layer.get("n_filt", 1)), bits)
        lat = fabric.loop(in_pixels(layer), ACT_DEPTH + 1)
        fabric.add_costs(row, srl, win).update(latency_cycles=lat, ii_cycles=lat)
    return row


def global_pooling(layer, ctx):
    """nnet_pooling(_stream).h global pooling: an adder (average) or comparator (max) tree per channel over
    all input pixels; an average over a count that is not a power of two divides by a constant."""
    bits, n_filt = fabric.width(layer.input_type), int(layer.get("n_filt", 1))
    n = in_pixels(layer)
    average = str(layer.get("pool_op", "Max")).lower() != "max"
    key = "adder_bits" if average else "compare_bits"
    divide = fabric.terms(mult_bits2=bits * bits / 2) if average and n & (n - 1) else {}
    depth = ACT_DEPTH + fabric.compute_cycles(n, ctx)
    if ctx["io_type"] == "io_stream":  # one pixel a clock into per-channel accumulators
        lat = fabric.loop(n, ACT_DEPTH) + depth
        return {"dsp": 0, "lut_terms": fabric.scale_terms(fabric.add_terms({key: bits}, divide), n_filt),
                "ff_terms": fabric.terms(state_bits=n_filt * bits), "latency_cycles": lat, "ii_cycles": lat}
    # io_parallel: nnet_pooling.h max()/avg() fold the n inputs in a loop, a chain of n - 1 operations
    # (not a tree) that HLS pipelines fabric.CHAIN_OPS_PER_CYCLE to a clock, carrying the inputs not yet folded
    # (seanlipps global max over 128: 44 cycles at 5 ns)
    stages = math.ceil((n - 1) / fabric.chain_ops_per_cycle(ctx)) + 1
    chain = fabric.add_terms({key: bits * (n - 1)}, divide)
    srl, carried = fabric.carried(n_filt * bits * n, stages)
    return {"dsp": 0, "lut_terms": fabric.add_terms(fabric.scale_terms(chain, n_filt), srl), "ff_terms": carried,
            "latency_cycles": stages, "ii_cycles": 1}


def merge(layer, ctx):
    """nnet_merge(_stream).h: Add is one adder per element; Concatenate only wires its inputs together."""
    if layer.function.startswith("concatenate"):
        return _elementwise(layer, ctx, {}, _registers(layer, ctx), depth=1)
    return _elementwise(layer, ctx, fabric.terms(adder_bits=fabric.width(layer.output_type)), _registers(layer, ctx),
                        depth=1)


def softmax(layer, ctx):  # nnet_activation(_stream).h: exp and 1/sum tables, a product per output
    n = int(layer.get("n_in", 1))
    bram = sum(math.ceil(_table_bits(layer, t, s) / fabric.BRAM18_BITS)
               for t, s in (("exp_table_t", "exp_table_size"), ("inv_table_t", "inv_table_size")))
    if ctx["io_type"] == "io_parallel":  # two registered table reads, the logic around them chained
        depth = SOFTMAX_TABLE_READS + int(SOFTMAX_LOGIC_NS / ctx["clock_period_ns"])
    else:
        depth = 3 + fabric.compute_cycles(n, ctx)  # read, exp lookup, sum, 1/sum lookup, product, write
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
