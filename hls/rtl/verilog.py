"""Write traced logic as a pipelined Verilog project with alkaid's code generator: the combinational
logic cut into stages whose estimated logic delay stays within `stage_delay_ns` (alkaid's delay model
of UltraScale+ carry chains; routing is not modelled), registers between them, the input and the
output registered; one sample per clock cycle.

Layer: hls (imports nothing above hls).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hls.rtl.simulate import Port

__all__ = ["RtlDesign", "TOP", "write_design", "read_design"]

TOP = "l1cnn_top"  # the module; TOP_wrapper has one uniform element format per port (what the testbench drives)
DESIGN_FILE = "design.json"


@dataclass(frozen=True)
class RtlDesign:
    path: str
    top: str
    wrapper: str
    inp: Port
    out: Port
    latency_cycles: int
    clock_period_ns: float
    stage_delay_ns: float
    logic_delay_ns: float        # alkaid's estimate of the whole combinational path (before pipelining)
    register_bits: int
    alkaid_cost: float           # alkaid's own cost estimate of the logic (LUT-equivalents)
    part: str

    @property
    def latency_ns(self) -> float:
        return self.latency_cycles * self.clock_period_ns


def _port(sig) -> Port:
    k, i, f = (int(v) for v in np.max(np.asarray(sig.precisions), axis=0))
    return Port(int(sig.size), k + i + f, bool(k), f)


def write_design(logic, path, part: str, clock_period_ns: float, stage_delay_ns: float) -> RtlDesign:
    """The Verilog project of `logic` in directory `path`: written beside it, then each generated entry
    (src/, model/, scripts, design.json last) moved into place."""
    from alkaid.codegen.rtl.rtl_model import RTLModel

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
    try:
        model = RTLModel(logic, tmp, prj_name=TOP, latency_cutoff=stage_delay_ns, clock_period=clock_period_ns,
                         part_name=part)
        model.write()
        design = RtlDesign(str(path), TOP, f"{TOP}_wrapper", _port(model.fsm.inp_signals[0]),
                           _port(model.fsm.out_signals[0]), int(model.latency), float(clock_period_ns),
                           float(stage_delay_ns), float(logic.latency[1]), int(model.reg_bits),
                           float(logic.cost), part)
        (tmp / DESIGN_FILE).write_text(json.dumps(asdict(design), indent=1))
        path.mkdir(exist_ok=True)
        # each generated entry replaces its old self (design.json last); sim/ and synth/ stay: the
        # Verilator binary and the Yosys counts are reused while the sources they were made from are
        for entry in sorted(tmp.iterdir(), key=lambda e: e.name == DESIGN_FILE):
            target = path / entry.name
            if target.is_dir():
                old = path / f".{entry.name}-old"
                shutil.rmtree(old, ignore_errors=True)
                os.replace(target, old)
                os.replace(entry, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(entry, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return design


def read_design(path) -> RtlDesign:
    d = json.loads((Path(path) / DESIGN_FILE).read_text())
    d["inp"], d["out"] = Port(**d["inp"]), Port(**d["out"])
    return RtlDesign(**d)
