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
    """The Verilog project of `logic` in directory `path` (replaced as a whole, atomically: a reader
    sees the old project or the new one)."""
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
        old = path.with_name(f".{path.name}-old")
        if path.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return design


def read_design(path) -> RtlDesign:
    d = json.loads((Path(path) / DESIGN_FILE).read_text())
    d["inp"], d["out"] = Port(**d["inp"]), Port(**d["out"])
    return RtlDesign(**d)
