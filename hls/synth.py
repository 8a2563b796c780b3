"""Vendor synthesis of a written hls4ml project: run the project's build_prj.tcl with the
installed tool, then read its reports with hls/vendor_reports/.

hls4ml 1.3's Vitis backend only knows `vitis-run` (Vitis 2024.2+); older Vitis HLS
(`vitis_hls`) and Vivado HLS (`vivado_hls`) run the same build_prj.tcl directly, so
l1cnn drives the tool itself and works with any of them.
"""

import shutil
import subprocess
from pathlib import Path

from common.errors import L1CNNError
from hls.vendor_reports import parse

# tool -> command run in the project directory; the first one on PATH is used
VENDOR_COMMANDS = {
    "vitis-run": ["vitis-run", "--tcl", "build_prj.tcl", "--mode", "hls"],
    "vitis_hls": ["vitis_hls", "-f", "build_prj.tcl"],
    "vivado_hls": ["vivado_hls", "-f", "build_prj.tcl"],
}


class SynthesisError(L1CNNError, RuntimeError):
    """The vendor tool ran and failed; the message names its log."""


def find_vendor_tool() -> str | None:
    return next((tool for tool in VENDOR_COMMANDS if shutil.which(tool)), None)


def _build_options(logic_synthesis: bool) -> str:
    """build_prj.tcl reads its steps from build_opt.tcl: C synthesis only, Vivado synthesis on request."""
    steps = {"reset": 1, "csim": 0, "synth": 1, "cosim": 0, "validation": 0, "export": 0,
             "vsynth": int(logic_synthesis), "fifo_opt": 0}
    return "array set opt {\n" + "".join(f"    {k} {v}\n" for k, v in steps.items()) + "}\n"


def build(project_dir, tool: str, logic_synthesis: bool = False) -> dict:
    """Run C synthesis (and Vivado logic synthesis) of the project; the parsed report (hls/vendor_reports/)."""
    project_dir = Path(project_dir)
    if logic_synthesis and not shutil.which("vivado"):
        raise SynthesisError("logic synthesis needs `vivado` on PATH; run without --logic-synthesis "
                             "for C synthesis only")
    (project_dir / "build_opt.tcl").write_text(_build_options(logic_synthesis))
    log = project_dir / "build_stdout.log"
    with open(log, "w") as out:
        proc = subprocess.run(VENDOR_COMMANDS[tool], cwd=project_dir, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise SynthesisError(f"{tool} failed on {project_dir} (exit code {proc.returncode}); see {log}")
    return parse(project_dir)
