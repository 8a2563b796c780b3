"""Vendor synthesis: run hls4ml's build with Vitis HLS / Vivado HLS when one is on PATH."""

import contextlib
import io
import shutil

VENDOR_TOOLS = ("vitis_hls", "vivado_hls")


def find_vendor_tool() -> str | None:
    for tool in VENDOR_TOOLS:
        if shutil.which(tool):
            return tool
    return None


def build(project_dir, logic_synthesis: bool = False) -> dict:
    """C synthesis (and Vivado logic synthesis on request) of a written project; hls4ml's report dict."""
    import hls4ml

    with contextlib.redirect_stdout(io.StringIO()):
        model = hls4ml.converters.link_existing_project(str(project_dir))
        report = model.build(csim=False, synth=True, cosim=False, vsynth=logic_synthesis, export=False)
    return report or {}
