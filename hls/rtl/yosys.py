"""Logic synthesis of the written Verilog with Yosys (`synth_xilinx` for the part's family) and the
cell counts of the netlist: LUTs, flip-flops, DSPs, carry chains, block RAM. These are counts of a
real netlist, not an estimate, but Yosys does no placement, routing or timing analysis: Vivado's
own synthesis maps differently (its counts differ), and whether the design meets the clock is not
known from them.

Layer: hls (imports nothing above hls).
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from hls.rtl.tools import ToolError, yosys

__all__ = ["CELL_KINDS", "counts", "family", "synthesize"]

# synth_xilinx families by part-name prefix (AMD naming: a trailing `p` on Kintex/Virtex UltraScale
# parts is UltraScale+; Zynq UltraScale+ and Artix UltraScale+ are UltraScale+ too)
_FAMILIES = ((r"xc(vu|ku)\d+p", "xcup"), (r"xc(zu|au)\d+", "xcup"), (r"xc(vu|ku)\d+", "xcu"),
             (r"xc7[azkvs]", "xc7"), (r"xc6s", "xc6s"))

# cell type -> (category, units it counts as): Vivado's utilization categories
CELL_KINDS = {
    **{f"LUT{n}": ("lut", 1) for n in range(1, 7)},
    **{c: ("lut_as_memory", 1) for c in ("SRL16E", "SRLC16E", "SRLC32E")},
    **{c: ("lut_as_memory", n) for c, n in (("RAM32X1D", 2), ("RAM64X1D", 2), ("RAM32M", 4), ("RAM64M", 4),
                                            ("RAM32M16", 8), ("RAM64M8", 8), ("RAM128X1D", 4), ("RAM256X1D", 8),
                                            ("RAM32X1S", 1), ("RAM64X1S", 1), ("RAM128X1S", 2), ("RAM256X1S", 4))},
    **{c: ("ff", 1) for c in ("FDRE", "FDSE", "FDCE", "FDPE", "LDCE", "LDPE")},
    **{c: ("dsp", 1) for c in ("DSP48E1", "DSP48E2", "DSP48A1")},
    **{c: ("carry", 1) for c in ("CARRY4", "CARRY8")},
    **{c: ("bram_18k", 1) for c in ("RAMB18E1", "RAMB18E2")},
    **{c: ("bram_18k", 2) for c in ("RAMB36E1", "RAMB36E2")},
    **{c: ("uram", 1) for c in ("URAM288",)},
    **{c: ("mux", 1) for c in ("MUXF7", "MUXF8", "MUXF9")},
    "INV": ("inv", 1),  # Vivado's opt_design absorbs most inverters into the LUTs they drive: shown apart
}
IO_CELLS = ("IBUF", "OBUF", "BUFG", "IBUFG", "BUFGCTRL", "scopeinfo")  # no logic (scopeinfo: Yosys' own notes)


def family(part: str) -> str:
    """synth_xilinx's -family of an AMD/Xilinx part name."""
    p = part.lower()
    for pattern, fam in _FAMILIES:
        if re.match(pattern, p):
            return fam
    raise ToolError(f"part {part}: Yosys' synth_xilinx counts AMD/Xilinx 7-series and UltraScale(+) parts "
                    "(xc7*, xcku*, xcvu*, xczu*, xcau*); choose such a part in hls.part")


def counts(stat: dict, top: str, boxes=()) -> dict:
    """{category: count} and the raw {cell type: count} of the top module in `stat -json` output
    (`boxes`: instances of modules counted on their own, left out)."""
    modules = stat.get("modules") or {}
    mod = modules.get(f"\\{top}") or modules.get(top)
    if mod is None:
        if len(modules) != 1:
            raise ToolError(f"Yosys' statistics name no module {top} (found {', '.join(modules) or 'none'})")
        mod = next(iter(modules.values()))
    cells = {str(k).lstrip("\\$"): int(v) for k, v in (mod.get("num_cells_by_type") or {}).items()
             if str(k).lstrip("\\") not in boxes}
    out = {k: 0 for k in ("lut", "lut_as_memory", "ff", "dsp", "carry", "bram_18k", "uram", "mux", "inv")}
    other = {}
    for cell, n in cells.items():
        if cell in CELL_KINDS:
            kind, units = CELL_KINDS[cell]
            out[kind] += n * units
        elif cell not in IO_CELLS:
            other[cell] = n
    out["lut_total"] = out["lut"] + out["lut_as_memory"]
    return {"counts": out, "cells": cells, "unmapped_cells": other}


def _stub(path: Path) -> str:
    """A blackbox declaration of the module in `path` (its header's ports): the top is synthesized with
    its stages as boxes, each stage on its own."""
    head = path.read_text()[:4000]
    m = re.search(r"module\s+(\w+)\s*\((.*?)\);", head, re.S)
    if m is None:
        raise ToolError(f"{path}: no module header to declare")
    return f"(* blackbox *)\nmodule {m.group(1)} ({m.group(2)});\nendmodule\n"


def _run(tool, files: dict, script: str, workdir: Path, timeout_s) -> tuple:
    """Yosys on `files` ({name: text}) with `script` in a scratch directory of its own; (stat, log)."""
    scratch = Path(tempfile.mkdtemp(prefix="yosys-", dir=workdir))
    try:
        for name, text in files.items():
            (scratch / name).write_text(text)
        (scratch / "tmp").mkdir()
        env = {**tool.environ(), "TMPDIR": "./tmp"}  # ABC's temporary files: inside the sandbox
        try:
            res = subprocess.run([*tool.command, "-q", "-l", "yosys.log", "-p", script], cwd=scratch, env=env,
                                 capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise ToolError(f"Yosys did not finish `{script[:60]}...` within {timeout_s:.0f} s") from None
        log = (scratch / "yosys.log").read_text() if (scratch / "yosys.log").exists() else ""
        stat = scratch / "stat.json"
        if res.returncode != 0 or not stat.exists():
            lines = [l for l in (log + res.stderr + res.stdout).splitlines() if l.strip()]
            err = next((l for l in reversed(lines) if "ERROR" in l), lines[-1] if lines else f"exit {res.returncode}")
            raise ToolError(f"Yosys {tool.version} failed ({err.strip()})")
        return json.loads(stat.read_text()), log
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def synthesize(static: list, stages: list, top_file, top: str, part: str, workdir, jobs: int = 1,
               timeout_s: float | None = None, progress=None) -> dict:
    """synth_xilinx of a pipelined design: every stage module (combinational, `stages`) on its own, in
    `jobs` parallel Yosys processes, and the top (its registers) with the stages as blackboxes; the
    counts added up (see `counts`), per module and in total, with the family, command and tool. Results
    per module are kept in `workdir` and reused while the module, the script and the tool are unchanged.
    Stages never share logic (registers separate them), so synthesizing them apart loses no
    optimization; shift-register extraction across stages (delay lines of registers) is not attempted
    (-nosrl): every pipeline register is a flip-flop."""
    from concurrent.futures import ThreadPoolExecutor

    tool = yosys()
    fam = family(part)
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    options = f"-family {fam} -flatten -noiopad -nosrl"
    lib = {Path(f).name: Path(f).read_text() for f in static}

    def one(path: Path, boxes=()):
        name = path.stem
        files = {**({} if boxes else lib), path.name: path.read_text(),
                 **{f"box_{Path(b).name}": _stub(Path(b)) for b in boxes}}
        # the top holds only the pipeline registers (its stages are boxes): no multiplier whose registers
        # DSP packing could absorb, and xilinx_dsp's register search takes minutes on 10^5 flip-flops
        script = (f"read_verilog {' '.join(files)}; synth_xilinx {options}{' -nodsp' if boxes else ''} -top {name}; "
                  "tee -q -o stat.json stat -json")
        digest = hashlib.sha256((script + tool.version).encode() + b"".join(
            k.encode() + v.encode() for k, v in sorted(files.items()))).hexdigest()[:16]
        cached = work / f"{name}.json"
        if cached.exists():
            old = json.loads(cached.read_text())
            if old.get("digest") == digest:
                if progress:
                    progress(name)
                return name, old["result"]
        stat, log = _run(tool, files, script, work, timeout_s)
        result = counts(stat, name, boxes=[Path(b).stem for b in boxes])
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps({"digest": digest, "result": result}))
        tmp.replace(cached)
        if progress:
            progress(name)
        return name, result

    work_list = [(Path(top_file), tuple(stages))] + [  # the top (all the registers), then the largest stages first
        (p, ()) for p in sorted((Path(s) for s in stages), key=lambda p: -p.stat().st_size)]
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        parts = dict(pool.map(lambda job: one(*job), work_list))
    total = {k: sum(p["counts"][k] for p in parts.values()) for k in next(iter(parts.values()))["counts"]}
    cells = {}
    for p in parts.values():
        for c, n in p["cells"].items():
            cells[c] = cells.get(c, 0) + n
    unmapped = {c: n for c, n in cells.items() if c not in CELL_KINDS and c not in IO_CELLS}
    return {"counts": total, "cells": dict(sorted(cells.items())), "unmapped_cells": unmapped,
            "modules": {n: p["counts"] for n, p in sorted(parts.items())}, "family": fam,
            "command": f"synth_xilinx {options}, per pipeline stage", "tool": f"yosys {tool.version}"}
