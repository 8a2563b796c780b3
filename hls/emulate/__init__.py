"""Vectorized bit-exact emulation of a written hls4ml project: the firmware's outputs for whole
batches, with the integer arithmetic of the types the firmware actually uses (read from the project
by hls/project.py, not re-derived), layer by layer as its top function calls them.

Layer: hls (reads hls/project.py; imports nothing above hls).
"""
from __future__ import annotations

import functools
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController

from hls.csim import default_jobs
from hls.emulate.fixed import NotEmulated, frac_bits, from_float, to_float
from hls.emulate.layers import (EMULATORS, Fixed, conv_act_pool, conv_pools, memo, pooled_activation,
                                pools_first)
from hls.project import Project, read_project

__all__ = ["NotEmulated", "emulate", "emulate_layers", "emulate_project", "input_size", "source_digest",
           "unsupported"]


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


# Samples emulated at once: as many as keep the largest array of a layer (a convolution's windows)
# within about BATCH_VALUES values, so a batch's arrays stay in the caches; at most BATCH_MAX.
BATCH_VALUES = 1 << 21
BATCH_MAX = 1024


def batch_size(project: Project) -> int:
    """Samples per batch for this project (BATCH_VALUES / the most values any layer holds per sample)."""
    def values(layer):
        c = layer.config
        window = (int(c.get("filt_height") or c.get("pool_height") or 1)
                  * int(c.get("filt_width") or c.get("pool_width") or 1))
        pixels = int(c.get("out_height") or 1) * int(c.get("out_width") or 1)
        return max(pixels * window * int(c.get("n_chan") or c.get("n_filt") or 1), int(c.get("n_in") or 1),
                   int(c.get("n_out") or 1) * int(c.get("n_filt") or 1))
    most = max((values(layer) for layer in project.layers), default=1)
    return int(np.clip(BATCH_VALUES // max(most, 1), 8, BATCH_MAX))


@functools.lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    """The process's thread pools, found once (a scan of the loaded libraries: milliseconds with TensorFlow)."""
    return ThreadpoolController()


def emulate(project: Project, x: np.ndarray, batch: int | None = None, workers: int | None = None) -> np.ndarray:
    """(N, outputs) float64 outputs of the firmware for inputs x (N, ...): the input conversion, every
    layer, the output values exactly as the C simulation returns them; `batch` samples at a time
    (default: batch_size), in `workers` threads (default: one per core; numpy releases the GIL in its
    array operations). Each batch is independent and exact: the result does not depend on either."""
    missing = unsupported(project)
    if missing:
        raise NotEmulated("not emulated: " + ", ".join(missing))
    x = np.asarray(x)
    flat = x.reshape(len(x), -1)
    batch = batch or batch_size(project)
    starts = range(0, len(x), batch)
    workers = min(workers or default_jobs(), len(starts))
    if workers <= 1:
        parts = [_emulate_batch(project, flat[i:i + batch]) for i in starts]
    else:
        # BLAS threads of their own in each worker would only compete with the other workers
        with _blas().limit(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(lambda i: _emulate_batch(project, flat[i:i + batch]), starts))
    return np.concatenate(parts) if parts else _emulate_batch(project, flat)


def _schedule(project: Project) -> list:
    """The layers in the top function's order as (block, layers) steps: each layer a step of its own
    (block None), but a convolution, activation and max pooling, each read only by the next, run as one
    block (layers.conv_act_pool), and an activation read only by a max pooling runs after it, on fewer
    values (layers.pooled_activation). Kept on the project: computed once."""
    return memo(project, "schedule", lambda: _plan(project))


def _plan(project: Project) -> list:
    readers = Counter(name for layer in project.layers for name in layer.inputs)

    def feeds(a, b) -> bool:  # a's output is read by b alone
        return b.inputs == [a.output] and readers[a.output] == 1 and not a.also_writes

    layers, steps, i = project.layers, [], 0
    while i < len(layers):
        run = layers[i:i + 3]
        if len(run) == 3 and feeds(run[0], run[1]) and feeds(run[1], run[2]) and conv_pools(*run):
            steps.append((conv_act_pool, run))
        elif len(run) >= 2 and feeds(run[0], run[1]) and pools_first(run[0], run[1]):
            steps.append((pooled_activation, run[:2]))
        else:
            steps.append((None, run[:1]))
        i += len(steps[-1][1])
    return steps


def _emulate_batch(project: Project, x: np.ndarray) -> np.ndarray:
    first = project.layers[0]
    t_in = first.input_type
    values = {first.inputs[0]: Fixed(from_float(x, t_in), frac_bits(t_in), int(t_in.width))}
    last = None
    for block, layers in _schedule(project):
        ins = [values[name] for name in layers[0].inputs]
        last = block(*layers, ins[0]) if block else EMULATORS[layers[0].function](layers[0], ins)
        for name in [layers[-1].output, *layers[-1].also_writes]:
            values[name] = last
    return to_float(last.q, last.frac)


def emulate_layers(project: Project, x: np.ndarray) -> dict:
    """{layer name: (N, values) float64 output} of every layer for inputs x, each layer on its own
    (no fused blocks): what a per-layer comparison reads. For a few samples; `emulate` is the fast path."""
    missing = unsupported(project)
    if missing:
        raise NotEmulated("not emulated: " + ", ".join(missing))
    flat = np.asarray(x).reshape(len(x), -1)
    first = project.layers[0]
    t_in = first.input_type
    values = {first.inputs[0]: Fixed(from_float(flat, t_in), frac_bits(t_in), int(t_in.width))}
    out = {}
    for layer in project.layers:
        y = EMULATORS[layer.function](layer, [values[name] for name in layer.inputs])
        for name in [layer.output, *layer.also_writes]:
            values[name] = y
        out[layer.name] = to_float(y.q, y.frac)
    return out


def emulate_project(path, x: np.ndarray) -> np.ndarray:
    return emulate(read_project(path), x)
