"""Vectorized bit-exact emulation of a written hls4ml project: the firmware's outputs for whole
batches, with the integer arithmetic of the types the firmware actually uses (read from the project
by hls/project.py, not re-derived), layer by layer as its top function calls them.

Layer: hls (reads hls/project.py; imports nothing above hls).
"""
from __future__ import annotations

import numpy as np

from hls.emulate.fixed import NotEmulated, frac_bits, from_float, to_float
from hls.emulate.layers import EMULATORS, Fixed
from hls.project import Project, read_project

__all__ = ["NotEmulated", "emulate", "emulate_project", "input_size", "source_digest", "unsupported"]


def source_digest() -> str:
    """A digest of the emulator's sources: results proven with it are redone when it changes."""
    import hashlib
    from pathlib import Path

    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def unsupported(project: Project) -> list:
    """The layers the emulator cannot reproduce, as 'name: function' (empty: all of them)."""
    return [f"{layer.name}: nnet::{layer.function}" for layer in project.layers if layer.function not in EMULATORS]


def input_size(project: Project) -> int:
    """Values per sample the firmware's first layer reads."""
    c = project.layers[0].config
    if c.get("in_width") is not None:
        return int(c["in_width"]) * int(c.get("in_height") or 1) * int(c.get("n_chan") or c.get("n_filt") or 1)
    if c.get("n_filt") is not None and c.get("n_in") is not None:  # pooling1d / global pooling
        return int(c["n_in"]) * int(c["n_filt"])
    return int(c.get("n_in") or c.get("n_elem") or 1)


def emulate(project: Project, x: np.ndarray) -> np.ndarray:
    """(N, outputs) float64 outputs of the firmware for inputs x (N, ...): the input conversion, every
    layer, the output values exactly as the C simulation returns them."""
    missing = unsupported(project)
    if missing:
        raise NotEmulated("not emulated: " + ", ".join(missing))
    first = project.layers[0]
    x = np.asarray(x)
    t_in = first.input_type
    values = {first.inputs[0]: Fixed(from_float(x.reshape(len(x), -1), t_in), frac_bits(t_in))}
    last = None
    for layer in project.layers:
        ins = [values[name] for name in layer.inputs]
        last = EMULATORS[layer.function](layer, ins)
        for name in [layer.output, *layer.also_writes]:
            values[name] = last
    return to_float(last.q, last.frac)


def emulate_project(path, x: np.ndarray) -> np.ndarray:
    return emulate(read_project(path), x)
