"""Offline estimate of what C synthesis + Vivado synthesis would report for a written hls4ml project,
for machines without the vendor tools.

It costs what the project's firmware instantiates (hls/project.py reads it: l1cnn's projects and
anyone else's alike), layer by layer with the rules of hls/estimate/rules.py, and composes latency
and II as the top function does (one pipeline in io_parallel, concurrent dataflow processes joined
by FIFOs in io_stream). Resources aim at post-synthesis utilization (report_utilization), latency
and II at C synthesis. How far off it has been on real reports is in hls/estimate/calibration.json,
measured by `l1cnn calibrate` over shared/fixtures/hls_reports/.
"""
from __future__ import annotations

import math

from hls.estimate import coefficients, fabric, rules
from hls.estimate.intervals import intervals
from hls.parts import lookup
from hls.project import Project, read_project
from hls.settings import DEFAULTS

__all__ = ["estimate", "estimate_project", "estimate_graph", "estimate_model", "model_digest", "RESOURCES"]
RESOURCES = ("dsp", "lut", "ff", "bram_18k")
NOTES = ("resources: Vivado post-synthesis; latency/II: HLS C synthesis",
         "Latency-strategy weights are constants: zero products removed, short constants shift-and-add")


def model_digest() -> str:
    """A digest of the estimate's rules, coefficients, calibration and parts table: an estimate cached
    under it is redone when any of them changes."""
    import hashlib
    from pathlib import Path

    here = Path(__file__).parent
    files = sorted(here.glob("*.py")) + [here / "calibration_data.json", here.parent / "parts.py",
                                         here.parent / "emulate" / "fixed.py"]
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def _family(part: dict) -> str:
    return "7series" if part["dsp_slice"] == "DSP48E1" else "ultrascale"


def _fifo(layer, packed: bool) -> tuple:
    """An io_stream output FIFO at hls4ml's depth -> (lut terms, ff terms, BRAM_18K). Vivado HLS splits
    the packed channel struct into one FIFO per channel; Vitis HLS keeps one FIFO as wide as all lanes
    (seanlipps stream: 24 RAMB18 = three 128-deep FIFOs of 144-256 bits). Shallow FIFOs are registers,
    small ones shift registers (SRL), the others BRAM (18 Kb, at most 36 bits wide per block)."""
    t = layer.output_type
    if t is None or layer.fifo_depth is None:
        return {}, {}, 0
    depth, lanes, bits = int(layer.fifo_depth), int(t.lanes), int(t.width)
    n, bits = (1, lanes * bits) if packed else (lanes, bits)
    if depth <= fabric.FIFO_REG_MAX_DEPTH:
        return {}, {"state_bits": n * (bits * depth + 3)}, 0
    ptr = math.ceil(math.log2(depth))
    if depth * bits <= fabric.LUTRAM_MAX_BITS:
        return ({"srl_luts": n * bits * math.ceil(depth / fabric.SRL_DEPTH), "mux_bits": n * fabric.FIFO_CTRL_LUT},
                {"state_bits": n * (ptr + 3)}, 0)
    blocks = math.ceil(bits / 36) * math.ceil(depth / 512) if packed else math.ceil(depth * bits / fabric.BRAM18_BITS)
    return {"mux_bits": n * 2 * fabric.FIFO_CTRL_LUT}, {"state_bits": n * (4 * ptr + 9)}, n * blocks


def _apply(terms: dict, table: dict) -> float:
    """LUTs or FFs of a cost-quantity dict ('fixed' entries are already in LUTs/FFs)."""
    return sum(v * (1.0 if k == "fixed" else table[k]) for k, v in terms.items())


def _layer_row(layer, ctx) -> dict:
    rule = rules.RULES.get(layer.function)
    if rule is None:
        ctx["assumptions"].append(f"{layer.name}: nnet::{layer.function} not modelled (0 cost)")
        rule = rules.free
    row = {"name": layer.name, "function": layer.function, "config": layer.config_name, "n_mult": 0,
           "n_mult_zero_skipped": 0, "multipliers": 0, "dsp": 0, "lut": 0, "ff": 0, "bram_18k": 0,
           "latency_cycles": 0, "ii_cycles": 0, "mult_width": None, "strategy": layer.strategy,
           "reuse_factor": layer.reuse_factor, "lut_terms": {}, "ff_terms": {}}
    row.update(rule(layer, ctx))
    if ctx["io_type"] == "io_stream" and "stream_cycles" not in row and row["latency_cycles"]:
        row["stream_cycles"] = (rules.input_beats(layer) - 1) * layer.reuse_factor
    if ctx["io_type"] == "io_parallel" and ctx["dataflow"] and layer.name not in ctx["outputs"] \
            and row.get("process", True):  # its output array is a ping-pong channel to the next process
        fabric.add_costs(row, *rules.pipo_channel(layer))
    if row.pop("process", True):  # each synthesized layer is an instance with its own control
        # registers; between dataflow processes (io_stream, DATAFLOW) also channel handshakes and
        # start/done synchronization (logic), absent from the stages of a pipelined io_parallel top
        channels = ctx["io_type"] == "io_stream" or ctx["dataflow"]
        fabric.add_costs(row, {"processes": 1} if channels else {}, {"processes": 1})
        if ctx["io_type"] == "io_stream" and layer.name not in ctx["outputs"]:
            lut, ff, bram = _fifo(layer, packed=ctx["backend"] == "vitis")
            fabric.add_costs(row, lut, ff)
            row["bram_18k"] += bram
    row["lut"] = _apply(row["lut_terms"], coefficients.LUT)
    row["ff"] = _apply(row["ff_terms"], coefficients.FF)
    return row


def _stream_timing(rows):
    """Dataflow of concurrent processes: the last element leaves a process its tail (latency less the
    time it spends streaming its input) after leaving the one before, and no earlier than the process's
    own latency. The top adds a start/done handshake cycle (fixtures: 1027 -> II 1028, 7 -> 8)."""
    done, ii = 0, 0
    for r in rows:
        if r["latency_cycles"]:
            done = max(done + max(r["latency_cycles"] - r.get("stream_cycles", 0), 1), r["latency_cycles"])
            ii = max(ii, r["ii_cycles"])
    return done + 1, ii + 1


def estimate(project: Project, part: str | None = None, clock_period_ns: float | None = None) -> dict:
    """Estimated resources, latency and II of a read project (part/clock default to the project's)."""
    part_name = part or project.part
    device = lookup(part_name)
    clock = float(clock_period_ns or project.clock_period_ns)
    notes = list(NOTES)
    if math.isnan(clock):  # a project whose files name no clock
        clock = DEFAULTS.clock_period_ns
        notes.append(f"the project names no clock period: costed at {DEFAULTS.clock_period_ns} ns")
    ctx = {"part": device, "fam": _family(device), "io_type": project.io_type, "outputs": project.output_names,
           "assumptions": notes, "clock_period_ns": clock, "backend": project.backend,
           "dataflow": project.dataflow}
    layers = project.layers
    rows = [_layer_row(layer, ctx) for layer in layers]
    if project.io_type == "io_stream":
        latency, ii = _stream_timing(rows)
    else:  # io_parallel: the top function is one pipeline through all layers
        latency, ii = sum(r["latency_cycles"] for r in rows) + 1, max([1] + [r["ii_cycles"] for r in rows])
    for row in rows:
        row.update({k: int(round(row[k])) for k in RESOURCES})
    total = {k: sum(r[k] for r in rows) for k in RESOURCES}
    terms = {kind: fabric.add_terms(*[r[f"{kind}_terms"] for r in rows]) for kind in ("lut", "ff")}
    total.update(uram=0, latency_cycles=int(latency), latency_ns=round(latency * clock, 3), ii_cycles=int(ii))
    available = {k: device[k] for k in ("dsp", "lut", "ff", "bram_18k", "uram")}
    util = {k: round(100.0 * total[k] / available[k], 2) if available[k] else None for k in available}
    strategies = sorted({r["strategy"] for r in rows if r["multipliers"]})
    return {"source": "estimate", "part": part_name, "clock_period_ns": clock, "io_type": project.io_type,
            "strategy": "/".join(s.capitalize() for s in strategies) or "Latency", "layers": rows,
            "layer_reuse_factors": {layer.name: layer.reuse_factor for layer in layers if layer.weights},
            "total": total, "cost_terms": terms, "intervals": intervals(total, project.io_type), "available": available, "utilization_percent": util,
            "assumptions": ctx["assumptions"]}


def estimate_project(path, part: str | None = None, clock_period_ns: float | None = None) -> dict:
    """The estimate of the hls4ml project written at `path`."""
    result = estimate(read_project(path), part, clock_period_ns)
    result["project"] = str(path)
    return result


def estimate_graph(hls_model) -> dict:
    """The estimate of an hls4ml ModelGraph: written to its output directory (no compile), then read."""
    _write(hls_model)
    return estimate_project(hls_model.config.get_output_dir())


def estimate_model(model, hls, input_format=None) -> dict:
    """Convert a Keras model with l1cnn's types (exact for a supported QKeras CNN, hls4ml's
    ap_fixed<16,6> otherwise, as the float baseline firmware), write the project (no compile), and
    estimate it. `hls` is an hls.settings.HlsSettings; an unknown part raises parts.UnknownPart."""
    import tempfile

    from hls.convert import layer_reuse_factors, reuse_factors_used, to_hls
    from hls.prepare import prepare_if_exact

    lookup(hls.part)  # an unknown part fails here, before the conversion
    prepared = prepare_if_exact(model, input_format)
    with tempfile.TemporaryDirectory(prefix="l1cnn-estimate-") as tmp:
        hls_model = to_hls(prepared, hls, tmp)
        _write(hls_model)
        result = estimate(read_project(tmp), hls.part, hls.clock_period_ns)
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


def _write(hls_model):
    from hls.convert import quiet

    with quiet():
        hls_model.write()
