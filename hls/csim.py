"""C simulation of a written hls4ml project (g++-compiled) and its comparison with Keras.

The project on disk is what gets compiled: hls4ml's own compile (`build_lib.sh`, run through
link_existing_project) builds the files convert wrote, so what is checked is exactly what would be
synthesized. The compiled library is kept in `<project>/.csim/<digest>.so`, keyed by everything the
build reads (sources, weights, the project's absolute path baked in as WEIGHTS_DIR, the compiler), so
an unchanged project is never recompiled. Running it is spread over processes (each loads the
library itself: the firmware keeps static state, so threads would share it) in contiguous chunks,
concatenated in input order: the result does not depend on the number of processes.

Layer: hls (imports nothing above hls; hls4ml only when a library must be built).
"""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import io
import multiprocessing
import os
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

CACHE_DIR = ".csim"  # inside the project: removed with it, never shared between projects
_SKIP_SUFFIXES = {".so", ".o", ".log"}
MIN_CHUNK = 64  # samples below which another process costs more than it saves
CHUNKS_PER_JOB = 8  # chunks per process: a progress bar that moves, and a fair split of the work
MAX_CHUNK = 4096  # samples per chunk at most: bounded memory in flight


@lru_cache(maxsize=1)
def _compiler_identity() -> str:
    try:
        return subprocess.run(["g++", "--version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return "g++ missing"


def _build_inputs(project: Path) -> list[Path]:
    """Every file build_lib.sh reads: the script, the bridge, firmware/ (sources, ap_types, weights)."""
    files = [project / "build_lib.sh", *sorted(project.glob("*_bridge.cpp"))]
    files += sorted(p for p in (project / "firmware").rglob("*") if p.is_file() and p.suffix not in _SKIP_SUFFIXES)
    return [f for f in files if f.is_file()]


def source_digest(project_dir) -> str:
    """The key of a compiled library: the bytes of every file the build reads, the project's absolute
    path (the library reads its weights from there at run time) and the compiler's version."""
    project = Path(project_dir).resolve()
    h = hashlib.sha256(str(project).encode() + b"\0" + _compiler_identity().encode())
    for f in _build_inputs(project):
        h.update(str(f.relative_to(project)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def _top_name(project: Path) -> str:
    m = re.search(r"^PROJECT=(\S+)", (project / "build_lib.sh").read_text(), re.M)
    return m.group(1) if m else "myproject"


def library(project_dir) -> tuple[Path, bool]:
    """(the compiled library of the project, whether it was compiled now). A library built from the
    same inputs before is reused; concurrent callers build it once (a lock in the cache folder)."""
    project = Path(project_dir).resolve()
    if not (project / "build_lib.sh").is_file():
        raise FileNotFoundError(f"{project}: no build_lib.sh (not a written hls4ml project)")
    cache = project / CACHE_DIR
    cache.mkdir(exist_ok=True)
    lib = cache / f"{source_digest(project)}.so"
    with open(cache / "lock", "a") as lock:  # "a": taking the lock leaves the file untouched
        fcntl.flock(lock, fcntl.LOCK_EX)
        if lib.exists():
            return lib, False
        import hls4ml

        with contextlib.redirect_stdout(io.StringIO()):
            graph = hls4ml.converters.link_existing_project(str(project))
            built = Path(graph.config.backend.compile(graph))  # hls4ml's build: ./build_lib.sh
        tmp = lib.with_suffix(".so.tmp")
        os.replace(built, tmp)
        os.replace(tmp, lib)
        for old in cache.glob("*.so"):  # one library per project: older builds are of older sources
            if old != lib:
                old.unlink()
    return lib, True


class _Bridge:
    """The compiled project's `<top>_float(in, out)` bridge, called one sample at a time, as hls4ml's
    predict does, on rows of a contiguous float32 array."""

    def __init__(self, lib: Path, top: str):
        fn = getattr(ctypes.CDLL(str(lib)), f"{top}_float")
        fn.restype, fn.argtypes = None, [ctypes.c_void_p, ctypes.c_void_p]
        self.fn = fn

    def run(self, x: np.ndarray, n_out: int) -> np.ndarray:
        x = np.ascontiguousarray(x, np.float32).reshape(len(x), -1)
        y = np.zeros((len(x), n_out), np.float32)
        xp, yp, xs, ys = x.ctypes.data, y.ctypes.data, x.strides[0], y.strides[0]
        for i in range(len(x)):
            self.fn(xp + i * xs, yp + i * ys)
        return y


_WORKER: dict = {}


def _worker_init(lib: str, top: str, n_out: int):
    _WORKER.update(bridge=_Bridge(Path(lib), top), n_out=n_out)


def _worker_run(x: np.ndarray) -> np.ndarray:
    return _WORKER["bridge"].run(x, _WORKER["n_out"])


class CSim:
    """A written project's C simulation: `CSim(project).predict(x, jobs)` -> (N, outputs) float64."""

    def __init__(self, project_dir):
        self.project = Path(project_dir).resolve()
        self.lib, self.compiled_now = library(self.project)
        self.top = _top_name(self.project)
        cfg = yaml.load((self.project / "hls4ml_config.yml").read_text(), Loader=_IgnoreTagsLoader)
        ins, outs = list(cfg["InputShapes"].values()), list(cfg["OutputShapes"].values())
        if len(ins) != 1 or len(outs) != 1:
            raise ValueError(f"{self.project}: {len(ins)} inputs and {len(outs)} outputs; the C simulation "
                             "runner takes one of each")
        self.n_in, self.n_out = int(np.prod(ins[0])), int(np.prod(outs[0]))
        self._bridge = None

    def predict(self, x: np.ndarray, jobs: int = 1, progress: str | None = None) -> np.ndarray:
        """The firmware's outputs for every row of x, in `jobs` processes (1: this one)."""
        x = np.ascontiguousarray(x, np.float32).reshape(len(x), -1)
        if x.shape[1] != self.n_in:
            raise ValueError(f"inputs of {x.shape[1]} values per sample; the project takes {self.n_in}")
        jobs = max(1, min(int(jobs), len(x) // MIN_CHUNK))
        chunks = np.array_split(x, max(jobs * CHUNKS_PER_JOB, len(x) // MAX_CHUNK, 1))
        bar = _progress(len(x), progress)
        if jobs == 1:
            if self._bridge is None:
                self._bridge = _Bridge(self.lib, self.top)
            parts = []
            for c in chunks:
                parts.append(self._bridge.run(c, self.n_out))
                bar.update(len(c))
        else:
            ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no TensorFlow state forked
            with ctx.Pool(jobs, _worker_init, (str(self.lib), self.top, self.n_out)) as pool:
                parts = []
                for part in pool.imap(_worker_run, chunks):  # in order: the result is the same for any jobs
                    parts.append(part)
                    bar.update(len(part))
        bar.close()
        y = np.concatenate(parts) if parts else np.zeros((0, self.n_out), np.float32)
        return y.astype(np.float64)


class _IgnoreTagsLoader(yaml.SafeLoader):
    """hls4ml_config.yml holds a `!keras_model` tag with the model's path; only the shapes are read."""


_IgnoreTagsLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _progress(total: int, desc: str | None):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="sample", disable=desc is None or total < 1000, leave=False)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def predict(compiled, x: np.ndarray) -> np.ndarray:
    """(N, outputs) float64 logits of a compiled hls4ml model (hls4ml's own predict, one process)."""
    with contextlib.redirect_stdout(io.StringIO()):
        y = compiled.predict(np.ascontiguousarray(x, dtype=np.float32))
    return np.asarray(y, dtype=np.float64).reshape(len(x), -1)


def agreement(keras_logits: np.ndarray, hls_logits: np.ndarray) -> dict:
    """Sample-level comparison of logits: bit-exact means every logit identical."""
    k = np.asarray(keras_logits, np.float64).reshape(len(keras_logits), -1)
    h = np.asarray(hls_logits, np.float64).reshape(len(hls_logits), -1)
    if k.shape != h.shape:
        raise ValueError(f"Keras output shape {k.shape} differs from the C simulation's {h.shape}")
    exact = np.all(k == h, axis=1)
    if k.shape[1] == 1:  # one logit (a sigmoid head's input): the decision is its sign, sigmoid > 0.5
        k, h = np.concatenate([np.zeros_like(k), k], 1), np.concatenate([np.zeros_like(h), h], 1)
    return {
        "n_samples": int(len(k)),
        "bit_exact_fraction": float(exact.mean()) if len(k) else 0.0,
        "n_mismatched": int((~exact).sum()),
        "argmax_agreement": float(np.mean(k.argmax(1) == h.argmax(1))) if len(k) else 0.0,
        "max_abs_diff": float(np.abs(k - h).max()) if len(k) else 0.0,  # the padding column adds 0
    }
