"""Vectorized bit-exact emulation of a written hls4ml project: the firmware's outputs for whole
batches, with the integer arithmetic of the types the firmware actually uses (read from the project
by hls/project.py, not re-derived), layer by layer as its top function calls them.

Layer: hls (reads hls/project.py; imports nothing above hls).
"""
from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from hls.emulate.fixed import NotEmulated, frac_bits, from_float, to_float
from hls.emulate.layers import EMULATORS, Fixed, pooled_activation, pools_first
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


# Samples emulated at once: every layer's intermediate arrays of a batch stay within the caches.
BATCH = 512


def default_workers() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def emulate(project: Project, x: np.ndarray, batch: int = BATCH, workers: int | None = None) -> np.ndarray:
    """(N, outputs) float64 outputs of the firmware for inputs x (N, ...): the input conversion, every
    layer, the output values exactly as the C simulation returns them; `batch` samples at a time, in
    `workers` threads (default: one per core; numpy releases the GIL in its array operations). Each
    batch is independent and exact, so the result does not depend on `batch` or `workers`."""
    missing = unsupported(project)
    if missing:
        raise NotEmulated("not emulated: " + ", ".join(missing))
    x = np.asarray(x)
    flat = x.reshape(len(x), -1)
    starts = range(0, len(x), batch)
    workers = min(workers or default_workers(), len(starts))
    if workers <= 1:
        parts = [_emulate_batch(project, flat[i:i + batch]) for i in starts]
    else:
        # BLAS threads of their own in each worker would only compete with the other workers
        with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(lambda i: _emulate_batch(project, flat[i:i + batch]), starts))
    return np.concatenate(parts) if parts else _emulate_batch(project, flat)


def _schedule(project: Project) -> list:
    """The layers in the top function's order, each a step of its own, but an activation whose only
    reader is a max pooling runs after it, on fewer values (layers.pools_first)."""
    readers = Counter(name for layer in project.layers for name in layer.inputs)
    steps, layers, i = [], project.layers, 0
    while i < len(layers):
        act, pool = layers[i], layers[i + 1] if i + 1 < len(layers) else None
        if (pool is not None and pool.inputs == [act.output] and readers[act.output] == 1
                and not act.also_writes and pools_first(act, pool)):
            steps.append((act, pool))
            i += 2
        else:
            steps.append((act,))
            i += 1
    return steps


def _emulate_batch(project: Project, x: np.ndarray) -> np.ndarray:
    first = project.layers[0]
    t_in = first.input_type
    values = {first.inputs[0]: Fixed(from_float(x, t_in), frac_bits(t_in), int(t_in.width))}
    last = None
    for step in _schedule(project):
        ins = [values[name] for name in step[0].inputs]
        last = pooled_activation(*step, ins[0]) if len(step) == 2 else EMULATORS[step[0].function](step[0], ins)
        for name in [step[-1].output, *step[-1].also_writes]:
            values[name] = last
    return to_float(last.q, last.frac)


def emulate_project(path, x: np.ndarray) -> np.ndarray:
    return emulate(read_project(path), x)
