"""Vendor runs on a written hls4ml project: C synthesis (and C/RTL co-simulation) with the installed
HLS tool through the project's build_prj.tcl, then Vivado logic synthesis and implementation of the
exported RTL with l1cnn's own script (hls/vivado_flow.tcl: out of context, hierarchical utilization,
timing summary, power), and every report read with hls/vendor_reports/.

hls4ml 1.3's Vitis backend only knows `vitis-run` (Vitis 2024.2+); older Vitis HLS (`vitis_hls`) and
Vivado HLS (`vivado_hls`) run the same build_prj.tcl directly, so l1cnn drives the tool itself and
works with any of them. hls4ml's own vsynth step writes only a flat utilization report; l1cnn runs
Vivado itself to get the per-layer rows, post-route figures and timing.
"""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from common.errors import L1CNNError
from hls.vendor_reports import parse

# tool -> command run in the project directory; the first one on PATH is used
VENDOR_COMMANDS = {
    "vitis-run": ["vitis-run", "--tcl", "build_prj.tcl", "--mode", "hls"],
    "vitis_hls": ["vitis_hls", "-f", "build_prj.tcl"],
    "vivado_hls": ["vivado_hls", "-f", "build_prj.tcl"],
}
VIVADO_SCRIPT = "l1cnn_vivado.tcl"
VIVADO_REPORTS = "vivado_reports"  # in the project: what the Vivado flow writes, redone on each run
FLOW_TCL = Path(__file__).with_name("vivado_flow.tcl")


class SynthesisError(L1CNNError, RuntimeError):
    """The vendor tool ran and failed, or wrote no report of a step asked for; the message names its log."""


@dataclass(frozen=True)
class Steps:
    """What to ask the vendor tools for, beyond C synthesis (always run)."""
    cosim: bool = False            # C/RTL co-simulation in the HLS tool: latency and II measured in RTL
    logic_synthesis: bool = False  # Vivado synthesis: post-synthesis utilization per layer, timing estimate
    implementation: bool = False   # Vivado place and route: post-route utilization per layer, timing, power

    @property
    def vivado(self) -> bool:
        return self.logic_synthesis or self.implementation

    def names(self) -> list:
        return ["csynth"] + [n for n in ("cosim", "logic_synthesis", "implementation") if getattr(self, n)]


def find_vendor_tool() -> str | None:
    return next((tool for tool in VENDOR_COMMANDS if shutil.which(tool)), None)


def _options(steps: Steps) -> dict:
    """The steps of hls4ml's build_prj.tcl: C synthesis, co-simulation on request; the Vivado steps are
    l1cnn's own (vivado_flow.tcl), so hls4ml's vsynth stays off."""
    return {"reset": 1, "csim": 0, "synth": 1, "cosim": int(steps.cosim), "validation": 0, "export": 0,
            "vsynth": 0, "fifo_opt": 0}


def _build_options(steps: Steps) -> str:
    """build_opt.tcl, which the Vitis backend's build_prj.tcl sources (vitis-run passes no arguments)."""
    return "array set opt {\n" + "".join(f"    {k} {v}\n" for k, v in _options(steps).items()) + "}\n"


def _command(tool: str, steps: Steps) -> list:
    """The Vivado backend's build_prj.tcl ignores build_opt.tcl and takes 'reset=1 csim=0 ...' from its
    arguments (as hls4ml runs it); the Vitis backend's reads both, so vitis_hls/vivado_hls get both."""
    if tool == "vitis-run":
        return VENDOR_COMMANDS[tool]
    return VENDOR_COMMANDS[tool] + [" ".join(f"{k}={v}" for k, v in _options(steps).items())]


def _run(command, cwd, log, what):
    with open(log, "w") as out:
        proc = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise SynthesisError(f"{what} failed on {cwd} (exit code {proc.returncode}); see {log}")


def exported_rtl(project_dir: Path) -> Path:
    """The Verilog the HLS tool wrote (<prj>/solution1/syn/verilog, or a vitis-run component's
    hls/syn/verilog): the shallowest such folder."""
    found = sorted((p for p in project_dir.rglob("syn/verilog") if p.is_dir() and any(p.glob("*.v"))),
                   key=lambda p: (len(p.parts), str(p)))
    if not found:
        raise SynthesisError(f"C synthesis wrote no Verilog under {project_dir} (no */syn/verilog/*.v); "
                             f"see {project_dir / 'build_stdout.log'}")
    return found[0]


def _clean(project_dir: Path):
    """Reports of an earlier run must not pass for this run's: HLS resets its solution itself."""
    shutil.rmtree(project_dir / VIVADO_REPORTS, ignore_errors=True)
    (project_dir / "vivado_synth.rpt").unlink(missing_ok=True)


def build(project_dir, tool: str, steps: Steps) -> dict:
    """Run the steps on the project; the parsed reports (hls/vendor_reports/ schema) of all of them."""
    from hls.project import project_settings

    project_dir = Path(project_dir)
    said = project_settings(project_dir)
    missing = [k for k in ("top", "part", "clock") if not said.get(k)]
    if missing:
        raise SynthesisError(f"{project_dir} does not state its {', '.join(missing)} (project.tcl / "
                             "hls4ml_config.yml): not an hls4ml project; convert the model again")
    top, part, clock_ns = said["top"], said["part"], float(said["clock"])
    if steps.vivado and not shutil.which("vivado"):
        raise SynthesisError("logic synthesis and implementation need `vivado` on PATH; run without "
                             "--logic-synthesis/--implementation for C synthesis only")
    _clean(project_dir)
    (project_dir / "build_opt.tcl").write_text(_build_options(steps))
    _run(_command(tool, steps), project_dir, project_dir / "build_stdout.log", tool)
    if steps.vivado:
        (project_dir / VIVADO_SCRIPT).write_text(FLOW_TCL.read_text())
        rtl = exported_rtl(project_dir)
        _run(["vivado", "-mode", "batch", "-nojournal", "-nolog", "-source", VIVADO_SCRIPT, "-tclargs",
              str(rtl.relative_to(project_dir)), top, part, f"{clock_ns:g}", str(int(steps.implementation)),
              VIVADO_REPORTS], project_dir, project_dir / "vivado_stdout.log", "vivado")
    return collect(project_dir, steps)


def collect(project_dir, steps: Steps) -> dict:
    """The reports a run of `steps` left in the project, parsed and checked (also to re-read them after a
    reader changed, without running the tools again)."""
    from hls.project import project_settings

    project_dir = Path(project_dir)
    said = project_settings(project_dir)
    report = parse(project_dir)
    _check(report, steps, project_dir, said.get("top"), said.get("part"))
    report["steps"] = steps.names()
    return report


def tool_identity(tool: str) -> str:
    """Where the tool resolves to: a vendor install path names its release (/tools/Xilinx/Vitis_HLS/2023.2/)."""
    found = shutil.which(tool)
    return str(Path(found).resolve()) if found else tool


def flow_digest() -> str:
    import hashlib

    return hashlib.sha256(FLOW_TCL.read_bytes()).hexdigest()[:16]


def _check(report, steps, project_dir, top, part):
    """Every step asked for left its report, and the reports are of this project's top and part."""
    from hls.vendor_reports.discovery import check_same_design

    check_same_design({"top": top, "part": part}, report, report["files"][0] if report["files"] else project_dir)
    wanted = {"C synthesis": report["latency"]["max_cycles"] is not None or report["resources"]["LUT"],
              "co-simulation": report["cosim"] if steps.cosim else True,
              "logic synthesis": report["post_synthesis"] if steps.logic_synthesis else True,
              "implementation": (report["post_implementation"] and (report["timing"] or {}).get("stage")
                                 in ("placed", "routed")) if steps.implementation else True}
    missing = [name for name, found in wanted.items() if not found]
    if missing:
        raise SynthesisError(f"the vendor run on {project_dir} wrote no {' or '.join(missing)} report; see its "
                             f"build_stdout.log / vivado_stdout.log")
