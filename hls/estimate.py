"""Offline estimate of what Vivado HLS 2020.1 C synthesis + Vivado synthesis would report for an
hls4ml 1.3 ModelGraph (Vivado backend), for machines without the vendor tools.

It models what hls4ml generates (templates/vivado/nnet_utils, backends/vivado), not a generic FPGA:
Latency-strategy weights are constants of a fully unrolled multiply, so Vivado removes products by
exactly-zero weights and builds products by short constants from shifts and adds; io_stream layers
take one pixel (a packed channel vector) per clock through line buffers and per-channel FIFOs;
io_parallel layers are unrolled under one top-level pipeline. Resources aim at post-synthesis
(report_utilization), latency and II at C synthesis. Coefficients marked FIT were fitted to the
totals of shared/fixtures/hls_reports/ (two SVHN CNNs), which therefore check them in-sample only.
"""
from __future__ import annotations

import math

import numpy as np

from hls.parts import lookup
from hls.settings import DEFAULTS

__all__ = ["estimate"]
_RESOURCES = ("dsp", "lut", "ff", "bram_18k")

# ---- multiplier binding ---------------------------------------------------------------------------
# A product goes to a DSP slice when its narrower operand has >= 6 significant bits and its wider
# one >= 10, a constant counted by the signed width of its odd part (trailing zeros are free shifts).
# Fits the csynth instance rows: 16b x 16b-constant conv/dense mostly DSP (SVHN float 76 %, dense
# fixture 73/80), 16b x 6b QKeras weights ~3 %, 6b x 6b 0 %, 6b relu x 16b weights 13 %.
DSP_MIN_NARROW_BITS = 6
DSP_MIN_WIDE_BITS = 10

# ---- LUTs -----------------------------------------------------------------------------------------
# Adder tree: one two-input adder per partial product beyond the first of each output, as wide as
# the accumulator (nnet_dense_latency.h casts every product to accum_t). One LUT per bit on a
# LUT6 + carry-chain fabric (UG574); FIT: least squares on the SVHN float + QKeras post-synthesis
# LUT totals gives 0.91 (trimmed sign extension and constant LSBs of shifted partial products).
ADDER_LUT_PER_BIT = 0.91
# A constant of <= 3 nonzero canonical-signed digits becomes shifts and adds merged into the adder
# tree: their least-squares extra cost on the two SVHN totals was ~0 (QKeras 16b x 6b convs cost per
# product what the float ones cost with DSPs).
SHIFTADD_MAX_DIGITS = 3
# Other fabric products (longer constants missing the DSP rule, Resource-strategy operands): a*b/2
# LUTs, b a constant's odd-part width (LUT6_2 packs two partial-product bits, as in PG108's tables;
# csynth: the QKeras output Dense, 6b relu x 16b weights, costs 2.2x the float design's).
VAR_MULT_LUT_PER_BIT2 = 0.5
MUX_INPUTS_PER_LUT = 4  # a LUT6 is a 4:1 multiplexer per bit (UG574): RF:1 operand selection
# ReLU: one select per output bit; quantized_relu (RND_CONV, SAT casts) adds a rounding adder and a
# saturation compare on the input width (nnet_activation_stream.h relu + ap_fixed casts).
RELU_LUT_PER_BIT = 1.0
QRELU_LUT_PER_BIT = 2.0
TABLE_ACTIVATIONS = ("sigmoid", "tanh", "softplus", "softsign", "elu", "selu")  # nnet_activation.h
POOL_LUT_PER_BIT = 2.0  # max pooling: a comparator + a 2:1 mux per bit per extra window element
# Softmax: index logic, sum tree, a product per output (csynth 3096 LUT / 788 FF for 10; ~half after synth).
SOFTMAX_LUT_PER_INPUT = 150
SOFTMAX_FF_PER_INPUT = 80
# Handshake, counters and FSM of each dataflow process (csynth: 100-300 LUT/FF per process).
CONTROL_LUT_PER_PROCESS = 80
CONTROL_FF_PER_PROCESS = 60

# ---- registers ------------------------------------------------------------------------------------
# Pipeline registers of the unrolled adder trees per adder-tree bit, and fabric FFs per DSP product
# (its sign/pipeline bits outside the slice): FIT to the SVHN float and QKeras FF totals.
FF_PER_ADDER_BIT = 0.10
FF_PER_DSP = 2.0

# ---- memories -------------------------------------------------------------------------------------
BRAM18_BITS = 18 * 1024
# Vivado synthesis keeps FIFOs/ROMs of <= 1024 bits in LUTs (SRL32/LUTRAM): the SVHN fixtures go
# from 100 csynth BRAM_18K to 84 (float) / 68 (QKeras) RAMB18, exactly the FIFOs <= 1024 bits.
LUTRAM_MAX_BITS = 1024
SRL_DEPTH = 32  # SRLC32E: 32 deep per LUT (UG574)
FIFO_CTRL_LUT = 6
FIFO_REG_MAX_DEPTH = 2  # depth-1/2 FIFOs are registers (csynth FIFO rows: 5 FF, 0 LUT)
SOFTMAX_TABLE_COPIES = 2  # exp and 1/sum tables read in parallel: 2 copies (fixture: 4 BRAM_18K)

# ---- timing (cycles at the fixtures' 5 ns) --------------------------------------------------------
# Pipeline stages HLS gives a DSP product and adder-tree levels chained per clock: UltraScale(+)
# conv tails 3-4 cycles past the last pixel, dense 3 (SVHN csynth); 7-series 3-stage multipliers
# (hls4ml issue #49) and dense 16->5 latency 7 (dense fixture).
MULT_CYCLES = {"ultrascale": 1, "7series": 3}
ADD_LEVELS_PER_CYCLE = {"ultrascale": 4, "7series": 2}
STREAM_RW_CYCLES = 2  # stream read + write around a computation (csynth instance latencies)
ACT_DEPTH = 2  # element-wise process: read+operate, write (relu: 2 cycles for one beat, 7-series)
LOOP_EXIT_CYCLES = 1  # a pipelined loop of > 1 trip adds its exit cycle (relu: 902 for 900 beats)


# ---- helpers --------------------------------------------------------------------------------------
def _bits(x):  # width of a tensor variable or of a named type (None if absent)
    return None if x is None else int(getattr(x, "type", x).precision.width)


def _packs(var):  # stream beats of a tensor: one per pixel (channels packed), one for a vector
    return int(np.prod(var.shape[:-1])) if len(var.shape) > 1 else 1


def _stream_packs(layer):  # input beats of a streaming layer (a Flatten/Reshape aliases its input)
    var, node = layer.get_input_variable(), layer.get_input_node()
    while node is not None and node.class_name == "Reshape":
        var, node = node.get_input_variable(), node.get_input_node()
    return _packs(var)


def _loop(trips, depth, ii=1):  # latency of a pipelined loop (one trip is no loop: no exit cycle)
    return depth + ((trips - 1) * ii + LOOP_EXIT_CYCLES if trips > 1 else 0)


def _quantize(data, precision):
    """The integers HLS sees: weight headers are cast to ap_fixed (AP_TRN floor, AP_WRAP)."""
    frac = int(precision.width) - int(precision.integer)
    q = np.floor(np.asarray(data, dtype=np.float64) * 2.0**frac + 1e-9).astype(np.int64)
    lo = -(1 << (precision.width - 1)) if precision.signed else 0
    return (q - lo) % (1 << precision.width) + lo


def _odd_bits(q):
    """Signed width of each constant's odd part; 0 for zero."""
    m = np.abs(q).astype(np.int64)
    odd = m // np.maximum(m & -m, 1)
    return np.where(m > 0, np.floor(np.log2(np.maximum(odd, 1))).astype(np.int64) + 2, 0)


def _csd_digits(q):
    """Nonzero canonical-signed-digit count: popcount((x >> 1) ^ (x + (x >> 1)))."""
    m = np.abs(q).astype(np.int64)
    c = (m >> 1) ^ (m + (m >> 1))
    return np.array([bin(int(v)).count("1") for v in c.ravel()], dtype=np.int64).reshape(m.shape)


def _is_dsp(a_bits, b_bits):
    return (np.minimum(a_bits, b_bits) >= DSP_MIN_NARROW_BITS) & (np.maximum(a_bits, b_bits) >= DSP_MIN_WIDE_BITS)


def _dsp_slices(a_bits, b_bits, part):
    """Slices for one a x b product: 1 if it fits the A x B ports (27x18 DSP48E2, 25x18 DSP48E1)."""
    big, small = max(a_bits, b_bits), min(a_bits, b_bits)
    a, b = part["dsp_a_bits"], part["dsp_b_bits"]
    return 1 if big <= a and small <= b else math.ceil(big / (a - 1)) * math.ceil(small / (b - 1))


def _compute_cycles(terms, fam):
    """Pipeline depth of one unrolled multiply + adder tree of `terms` inputs."""
    return MULT_CYCLES[fam] + math.ceil(math.ceil(math.log2(max(terms, 2))) / ADD_LEVELS_PER_CYCLE[fam])


def _weight_matrix(layer):
    """Weights as (n_in, n_out), whichever layout the backend left (Resource transposes them)."""
    w = np.asarray(layer.weights["weight"].data)
    n_out = int(layer.get_attr("n_filt") or layer.get_attr("n_out"))
    return w.reshape(n_out, -1).T if layer.get_attr("_weights_transposed", False) else w.reshape(-1, n_out)


# ---- matrix-vector kernels (Dense, and the per-position kernel of a convolution) -------------------
def _resource_kernel(q, a_bits, w_bits, acc_bits, rf, part, fam):
    """nnet_dense_resource.h: block_factor = n_in*n_out/RF general multipliers fed from a weight
    ROM, each accumulating into an output register; zero weights are stored, not skipped."""
    units = math.ceil(q.size / rf)
    slices = _dsp_slices(a_bits, w_bits, part) if _is_dsp(a_bits, w_bits) else 0
    mult_lut = 0 if slices else VAR_MULT_LUT_PER_BIT2 * a_bits * w_bits
    word_bits = units * w_bits  # ARRAY_RESHAPE block: one ROM word per cycle, RF words deep
    in_bram = rf * min(word_bits, 36) > LUTRAM_MAX_BITS  # a 36-bit ROM column, RF deep
    bram = math.ceil(word_bits / 36) * math.ceil(rf / 512) if in_bram else 0
    rom_lut = 0 if in_bram else word_bits * math.ceil(rf / 64)
    return {"n_mult": q.size, "n_mult_zero_skipped": 0, "multipliers": units, "dsp": units * slices,
            "lut": units * (mult_lut + acc_bits * ADDER_LUT_PER_BIT) + rom_lut,
            "ff": (units + q.shape[1]) * acc_bits, "bram_18k": bram,
            "depth": rf + MULT_CYCLES[fam] + 2, "ii": rf}


def _latency_kernel(q, bias_q, a_bits, w_bits, acc_bits, rf, part, fam):
    """nnet_dense_latency.h: every nonzero weight is a constant product; DSP or shift-and-add."""
    nz = q != 0
    b_eff = _odd_bits(q)
    on_dsp = nz & _is_dsp(a_bits, b_eff)
    slices = max([_dsp_slices(a_bits, int(b), part) for b in np.unique(b_eff[on_dsp])] or [1])
    terms = nz.sum(axis=0) + (bias_q != 0)  # partial sums entering each output's adder tree
    tree_bits = int(np.maximum(terms - 1, 0).sum()) * acc_bits
    fabric_mult = nz & ~on_dsp & (_csd_digits(q) > SHIFTADD_MAX_DIGITS)
    shared = math.ceil(int(on_dsp.sum()) / rf)  # Latency, RF > 1: ALLOCATION shares the DSP products
    lut = tree_bits * ADDER_LUT_PER_BIT + VAR_MULT_LUT_PER_BIT2 * a_bits * int(b_eff[fabric_mult].sum())
    if rf > 1:
        lut += shared * (a_bits + w_bits) * math.ceil(rf / MUX_INPUTS_PER_LUT)
    return {"n_mult": int(nz.sum()), "n_mult_zero_skipped": int(q.size - nz.sum()),
            "multipliers": math.ceil(int(nz.sum()) / rf), "dsp": shared * slices, "lut": lut,
            "ff": tree_bits * FF_PER_ADDER_BIT + shared * slices * FF_PER_DSP, "bram_18k": 0,
            "depth": _compute_cycles(int(terms.max(initial=1)), fam) + rf - 1, "ii": rf}


def _kernel(layer, ctx, copies):
    """One kernel instantiated `copies` times (io_parallel conv: pixels per partition)."""
    wprec = layer.get_attr("weight_t").precision
    q = _quantize(_weight_matrix(layer), wprec)
    a_bits, w_bits = _bits(layer.get_input_variable()), int(wprec.width)
    acc_bits = _bits(layer.get_attr("accum_t")) or _bits(layer.get_output_variable())
    rf = int(layer.get_attr("reuse_factor") or 1)
    if str(layer.get_attr("strategy") or "latency").lower().startswith("resource"):
        row = _resource_kernel(q, a_bits, w_bits, acc_bits, rf, ctx["part"], ctx["fam"])
    else:
        bias, bias_t = layer.weights.get("bias"), layer.get_attr("bias_t")
        bias_q = _quantize(np.ravel(bias.data), bias_t.precision) if bias is not None and bias_t else np.zeros(1)
        row = _latency_kernel(q, bias_q, a_bits, w_bits, acc_bits, rf, ctx["part"], ctx["fam"])
    scaled = {k: row[k] * copies for k in ("n_mult", "n_mult_zero_skipped", "multipliers") + _RESOURCES}
    return {**row, **scaled, "mult_width": [a_bits, w_bits]}


def _line_buffer(layer, fh, fw, n_chan, bits):
    """ap_shift_reg line buffers ((fh-1) x n_chan x bits, in_width deep: SRL32) + window registers."""
    srl = (fh - 1) * n_chan * bits * math.ceil(_pixels(layer, "in", 1) / SRL_DEPTH)
    return srl, fh * fw * n_chan * bits


def _pixels(layer, prefix, rows=None):  # Pooling1D names its widths n_in / n_out
    width = int(layer.get_attr(f"{prefix}_width") or layer.get_attr(f"n_{prefix}"))
    return width * (rows or int(layer.get_attr(f"{prefix}_height") or 1))


# ---- layer handlers: each returns the layer's row fields -----------------------------------------
def _conv(layer, ctx):
    if ctx["io_type"] == "io_stream":  # one kernel instance, fed one input pixel per RF clocks
        row = _kernel(layer, ctx, copies=1)
        fh, fw = int(layer.get_attr("filt_height") or 1), int(layer.get_attr("filt_width"))
        srl, window = _line_buffer(layer, fh, fw, int(layer.get_attr("n_chan")), row["mult_width"][0])
        row.update(lut=row["lut"] + srl, ff=row["ff"] + window)
        lat = (_pixels(layer, "in") - 1) * row.pop("ii") + row.pop("depth") + STREAM_RW_CYCLES
        return {**row, "latency_cycles": lat, "ii_cycles": lat}
    out_px = _pixels(layer, "out")
    n_part = int(layer.get_attr("n_partitions") or out_px)  # ParallelizationFactor = out_px/n_part
    row = _kernel(layer, ctx, copies=max(1, out_px // n_part))
    ii = n_part * row.pop("ii")
    return {**row, "latency_cycles": ii + row.pop("depth"), "ii_cycles": ii}


def _dense(layer, ctx):
    row = _kernel(layer, ctx, copies=1)
    depth, ii = row.pop("depth"), row.pop("ii")
    if ctx["io_type"] == "io_stream":  # nnet_dense_stream.h: read all beats, compute, write
        lat = _stream_packs(layer) - 1 + depth + STREAM_RW_CYCLES
        return {**row, "latency_cycles": lat, "ii_cycles": lat}
    return {**row, "latency_cycles": depth, "ii_cycles": ii}


def _lanes(layer, ctx):  # elements at once: a pixel's channels (io_stream), else the whole tensor
    shape = layer.get_output_variable().shape
    return int(shape[-1]) if ctx["io_type"] == "io_stream" else int(np.prod(shape))


def _elementwise(layer, ctx, lut_each, ff_each=0, dsp_each=0, depth=ACT_DEPTH):  # same op on each element
    n_par = _lanes(layer, ctx)
    packs = _packs(layer.get_output_variable()) if ctx["io_type"] == "io_stream" else 1
    lat = _loop(packs, depth)
    return {"dsp": dsp_each * n_par, "lut": lut_each * n_par, "ff": ff_each * n_par,
            "latency_cycles": lat, "ii_cycles": lat if packs > 1 else 1}


def _activation(layer, ctx):
    act = str(layer.get_attr("activation") or "").lower()
    if act == "linear":
        return _elementwise(layer, ctx, 0, depth=1)
    if act in TABLE_ACTIVATIONS:  # nnet_activation.h: a ROM lookup per element, 2 reads per BRAM
        row = _elementwise(layer, ctx, _bits(layer.get_input_variable()), depth=ACT_DEPTH + 1)
        n_par, rom_bits = _lanes(layer, ctx), _table_bits(layer, "table_t")
        if rom_bits > LUTRAM_MAX_BITS:
            return {**row, "bram_18k": math.ceil(n_par / 2) * math.ceil(rom_bits / BRAM18_BITS)}
        return {**row, "lut": row["lut"] + n_par * rom_bits / 64}  # LUT6 ROM: 64 bits each
    if act != "relu":
        ctx["assumptions"].append(f"{layer.name}: activation '{act}' costed like a ReLU")
    quantized = "RND" in str(layer.get_output_variable().type.precision.rounding_mode or "").upper()
    in_bits, out_bits = _bits(layer.get_input_variable()), _bits(layer.get_output_variable())
    lut = QRELU_LUT_PER_BIT * in_bits if quantized else RELU_LUT_PER_BIT * out_bits
    return _elementwise(layer, ctx, lut)


def _batchnorm(layer, ctx):
    """nnet_batchnorm(_stream).h: one scale product and one bias add per channel."""
    a, out = _bits(layer.get_input_variable()), _bits(layer.get_output_variable())
    s = _bits(layer.get_attr("scale_t")) or 16
    dsp = _dsp_slices(a, s, ctx["part"]) if _is_dsp(a, s) else 0
    lut = (0 if dsp else VAR_MULT_LUT_PER_BIT2 * a * s) + out * ADDER_LUT_PER_BIT
    row = _elementwise(layer, ctx, lut, ff_each=out, dsp_each=dsp, depth=1 + MULT_CYCLES[ctx["fam"]])
    n = int(layer.get_output_variable().shape[-1])
    return {**row, "n_mult": n, "multipliers": n, "mult_width": [a, s]}


def _pooling(layer, ctx):
    bits = _bits(layer.get_input_variable())
    ph, pw = int(layer.get_attr("pool_height") or 1), int(layer.get_attr("pool_width") or 1)
    if str(layer.get_attr("pool_op") or "max").lower() != "max":
        ctx["assumptions"].append(f"{layer.name}: average pooling costed as max pooling")
    row = _elementwise(layer, ctx, POOL_LUT_PER_BIT * bits * (ph * pw - 1), depth=ACT_DEPTH + 1)
    if ctx["io_type"] == "io_stream":  # line buffer, one input pixel a clock
        srl, window = _line_buffer(layer, ph, pw, int(layer.get_attr("n_filt")), bits)
        lat = _loop(_pixels(layer, "in"), ACT_DEPTH + 1)
        row.update(lut=row["lut"] + srl, ff=row["ff"] + window, latency_cycles=lat, ii_cycles=lat)
    return row


def _global_pooling(layer, ctx):
    """nnet_pooling(_stream).h global pooling: an adder (average) or comparator (max) tree per channel over
    all input pixels; an average over a count that is not a power of two divides by a constant."""
    bits, n_filt = _bits(layer.get_input_variable()), int(layer.get_attr("n_filt"))
    n = _pixels(layer, "in")
    average = str(layer.get_attr("pool_op") or "max").lower() != "max"
    per_bit = ADDER_LUT_PER_BIT if average else POOL_LUT_PER_BIT
    lut = per_bit * bits * (n - 1)
    if average and n & (n - 1):
        ctx["assumptions"].append(f"{layer.name}: division by {n} costed as one constant multiplier per channel")
        lut += VAR_MULT_LUT_PER_BIT2 * bits * bits / 2
    depth = ACT_DEPTH + _compute_cycles(n, ctx["fam"])
    if ctx["io_type"] == "io_stream":  # one pixel a clock into per-channel accumulators
        lat = _loop(n, ACT_DEPTH) + depth
        return {"dsp": 0, "lut": n_filt * per_bit * bits, "ff": n_filt * bits, "latency_cycles": lat,
                "ii_cycles": lat}
    return {"dsp": 0, "lut": lut * n_filt, "ff": 0, "latency_cycles": depth, "ii_cycles": 1}


def _merge(layer, ctx):
    """nnet_merge(_stream).h: Add is one adder per element; Concatenate only wires its inputs together."""
    if layer.class_name.startswith("Concatenate"):
        return _elementwise(layer, ctx, 0, depth=1)
    return _elementwise(layer, ctx, ADDER_LUT_PER_BIT * _bits(layer.get_output_variable()), depth=1)


def _softmax(layer, ctx):  # nnet_activation(_stream).h: exp and 1/sum tables, a product per output
    n, fam = int(layer.get_output_variable().shape[-1]), ctx["fam"]
    bram = sum(math.ceil(_table_bits(layer, k) / BRAM18_BITS) for k in ("exp_table_t", "inv_table_t"))
    depth = 3 + _compute_cycles(n, fam)  # read, exp lookup, sum, 1/sum lookup, product, write
    return {"dsp": n, "lut": SOFTMAX_LUT_PER_INPUT * n, "ff": SOFTMAX_FF_PER_INPUT * n,
            "bram_18k": bram * SOFTMAX_TABLE_COPIES, "latency_cycles": depth, "ii_cycles": depth,
            "n_mult": n, "multipliers": n, "mult_width": [18, 18]}


def _table_bits(layer, key):  # ROM bits of a lookup table
    return int(layer.get_attr("table_size") or 1024) * (_bits(layer.get_attr(key)) or 18)


def _free(layer, ctx):  # Input port; Flatten/Reshape alias the stream (io_stream) or are wiring
    return {"process": False}


def _padding(layer, ctx):  # nnet_padding_stream.h: forwards pixels and inserts zeros, 1 per clock
    return _elementwise(layer, ctx, 0)


_HANDLERS = {
    "Dense": _dense, "Conv1D": _conv, "Conv2D": _conv, "Conv2DBatchnorm": _conv, "PointwiseConv1D": _conv,
    "PointwiseConv2D": _conv, "BatchNormalization": _batchnorm, "Activation": _activation, "ReLU": _activation,
    "Softmax": _softmax, "Pooling1D": _pooling, "Pooling2D": _pooling, "Input": _free, "Reshape": _free,
    "ZeroPadding1D": _padding, "ZeroPadding2D": _padding, "GlobalPooling1D": _global_pooling,
    "GlobalPooling2D": _global_pooling, "Merge": _merge, "Add": _merge, "Concatenate": _merge,
    "Concatenate1D": _merge, "Concatenate2D": _merge, "Concatenate3D": _merge, "DepthwiseConv2D": _conv,
    "DepthwiseConv1D": _conv}


def _fifo(var):
    """A FIFO per channel (Vivado HLS 2020.1 splits the packed struct), hls4ml's depth (pixels)."""
    pragma = getattr(var, "pragma", None)
    depth = int(pragma[1]) if isinstance(pragma, tuple) and pragma[1] else _packs(var)
    n, bits = int(var.shape[-1]), _bits(var)
    if depth <= FIFO_REG_MAX_DEPTH:
        return {"lut": 0, "ff": n * (bits * depth + 3), "bram_18k": 0}
    ptr = math.ceil(math.log2(depth))
    if depth * bits <= LUTRAM_MAX_BITS:
        return {"lut": n * (bits * math.ceil(depth / SRL_DEPTH) + FIFO_CTRL_LUT), "ff": n * (ptr + 3), "bram_18k": 0}
    return {"lut": n * 2 * FIFO_CTRL_LUT, "ff": n * (4 * ptr + 9),
            "bram_18k": n * math.ceil(depth * bits / BRAM18_BITS)}


# ---- model ----------------------------------------------------------------------------------------
def _layer_row(layer, ctx):
    handler = _HANDLERS.get(layer.class_name)
    if handler is None:
        ctx["assumptions"].append(f"{layer.name}: layer class {layer.class_name} not modelled (0 cost)")
        handler = _free
    row = {"name": layer.name, "class": layer.class_name, "n_mult": 0, "n_mult_zero_skipped": 0,
           "multipliers": 0, "dsp": 0, "lut": 0, "ff": 0, "bram_18k": 0, "latency_cycles": 0,
           "ii_cycles": 0, "mult_width": None}
    row.update(handler(layer, ctx))
    if row.pop("process", True):  # each synthesized layer is a process with its own control
        row.update(lut=row["lut"] + CONTROL_LUT_PER_PROCESS, ff=row["ff"] + CONTROL_FF_PER_PROCESS)
        if ctx["io_type"] == "io_stream" and layer.name not in ctx["outputs"]:
            for key, value in _fifo(layer.get_output_variable()).items():
                row[key] += value
    return row


def _stream_timing(layers, rows):
    """Dataflow of concurrent processes: the last element leaves a process its tail (latency less
    streaming time) after leaving the one before, and no earlier than the process's own latency.
    The top adds a start/done handshake cycle (fixtures: 1027 -> II 1028, 7 -> 8)."""
    done, ii = 0, 0
    for layer, r in zip(layers, rows):
        if r["latency_cycles"]:
            streaming = (_stream_packs(layer) - 1) * int(layer.get_attr("reuse_factor") or 1)
            done = max(done + max(r["latency_cycles"] - streaming, 1), r["latency_cycles"])
            ii = max(ii, r["ii_cycles"])
    return done + 1, ii + 1


def estimate(hls_model) -> dict:
    """Estimated resources, latency and II of a converted (not compiled) hls4ml ModelGraph."""
    cfg = hls_model.config
    part_name = cfg.get_config_value("Part")
    part = lookup(part_name)
    io_type = cfg.get_config_value("IOType") or DEFAULTS.io_type
    clock = float(cfg.get_config_value("ClockPeriod") or DEFAULTS.clock_period_ns)
    model_cfg = (cfg.get_config_value("HLSConfig") or {}).get("Model", {})
    notes = ["Latency-strategy weights are constants: zero products removed, short constants shift-and-add",
             f"DSP if the narrower operand has >= {DSP_MIN_NARROW_BITS} b and the wider >= {DSP_MIN_WIDE_BITS} b",
             "resources: Vivado post-synthesis; latency/II: HLS C synthesis (Vivado HLS 2020.1 style)",
             "LUT/FF coefficients fitted to two SVHN CNN fixtures (xcu250, 5 ns)"]
    if io_type == "io_stream":
        notes.append(f"io_stream: a FIFO per channel, hls4ml depths; <= {LUTRAM_MAX_BITS} b in SRL, else BRAM")
    ctx = {"part": part, "fam": "7series" if part["dsp_slice"] == "DSP48E1" else "ultrascale",
           "io_type": io_type, "outputs": set(hls_model.outputs), "assumptions": notes}
    layers = list(hls_model.get_layers())
    rows = [_layer_row(layer, ctx) for layer in layers]
    if io_type == "io_stream":
        latency, ii = _stream_timing(layers, rows)
    else:  # io_parallel: the top function is one pipeline through all layers
        latency, ii = sum(r["latency_cycles"] for r in rows) + 1, max([1] + [r["ii_cycles"] for r in rows])
    for row in rows:
        row.update({k: int(round(row[k])) for k in _RESOURCES})
    total = {k: sum(r[k] for r in rows) for k in _RESOURCES}
    total.update(uram=0, latency_cycles=int(latency), latency_ns=round(latency * clock, 3), ii_cycles=int(ii))
    available = {k: part[k] for k in ("dsp", "lut", "ff", "bram_18k", "uram")}
    util = {k: round(100.0 * total[k] / available[k], 2) if available[k] else None for k in available}
    return {"source": "estimate", "part": part_name, "clock_period_ns": clock, "io_type": io_type,
            "strategy": str(model_cfg.get("Strategy", DEFAULTS.strategy)), "layers": rows, "total": total,
            "available": available, "utilization_percent": util, "assumptions": ctx["assumptions"]}


def estimate_model(model, hls, input_format=None) -> dict:
    """Convert a Keras model (no compile) with l1cnn's types, exact for a supported QKeras CNN and
    hls4ml's ap_fixed<16,6> otherwise (as the float baseline firmware), and estimate it.
    `hls` is an hls.settings.HlsSettings; an unknown part raises parts.UnknownPart."""
    import tempfile

    from hls.convert import layer_reuse_factors, reuse_factors_used, to_hls
    from hls.prepare import prepare_if_exact

    lookup(hls.part)  # an unknown part fails here, before the conversion (estimate() reads it again)
    prepared = prepare_if_exact(model, input_format)
    with tempfile.TemporaryDirectory(prefix="l1cnn-estimate-") as tmp:
        hls_model = to_hls(prepared, hls, tmp)
        result = estimate(hls_model)
        per_layer = layer_reuse_factors(hls_model)
    used = reuse_factors_used(per_layer)
    result["exact_types"] = prepared.exact  # False: hls4ml's ap_fixed<16,6> defaults, as the float baseline
    if prepared.caveats:  # layers realized from float arithmetic (wide types), whose exactness is measured
        result["float32_layers"] = dict(prepared.caveats)
    result["reuse_factor_requested"] = hls.reuse_factor
    result["reuse_factors_used"] = used
    result["layer_reuse_factors"] = per_layer
    requested = {name: hls.reuse_factor_of(name) for name in per_layer}
    replaced = {name: rf for name, rf in per_layer.items() if rf != requested[name]}
    if replaced:
        result["reuse_factor_note"] = (
            "hls4ml replaced the requested reuse factor where it does not divide the layer's n_in*n_out: "
            + ", ".join(f"{n} {requested[n]} -> {rf}" for n, rf in replaced.items()))
    return result
