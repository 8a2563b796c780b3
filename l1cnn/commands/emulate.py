"""`l1cnn emulate`: the firmware's exact outputs for any number of inputs, from the vectorized emulator
(hls/emulate/), which the csim stage, `l1cnn verify` and the sweep prove identical to the C simulation.

Inputs are read from a .npy file memory-mapped and emulated in batches, the outputs written batch by
batch into the --out .npy (atomically: complete or absent), so memory stays bounded by the batch.
Exit 0, or 2 on bad input (unreadable inputs or project, wrong shape, a construct not emulated).
"""
from __future__ import annotations

import contextlib
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from l1cnn.errors import UserError

PRINTED_SAMPLES = 10  # without --out, the outputs of this many samples are printed


def _inputs(path) -> np.ndarray:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"inputs file {path} does not exist; pass a .npy array saved with numpy.save")
    try:
        x = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UserError(f"inputs file {path} is not a readable .npy array ({e}); save one array with numpy.save") from None
    if not isinstance(x, np.ndarray):
        raise UserError(f"inputs file {path} is an .npz archive; save one array with numpy.save (a .npy file)")
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise UserError(f"inputs file {path} holds {x.dtype} values; it must hold real numbers")
    if x.ndim == 0 or len(x) == 0:
        raise UserError(f"inputs file {path} holds no samples")
    return x


def _project(target, hls, input_format, workdir):
    """The written project to emulate: `target` itself, or a saved model converted with l1cnn's exact
    types into `workdir`."""
    from hls.project import ProjectError, read_project

    if Path(target).is_dir():
        try:
            return read_project(target)
        except ProjectError as e:
            raise UserError(f"{target}: {e}") from None
    from hls.convert import write_project
    from hls.precision import NoInputFormat
    from hls.prepare import NOT_EXACT, prepare
    from models import io

    model = io.load(target)
    try:
        prepared = prepare(model, input_format=input_format)
    except NoInputFormat:
        raise UserError(f"{target} has no input quantizer, so the firmware's input type is not declared; "
                        f"pass --input-format (e.g. \"ap_ufixed<9,1>\")") from None
    except NOT_EXACT as e:
        raise UserError(f"{target}: {e}") from None
    write_project(prepared, hls, Path(workdir) / "project", stamp="00000000")
    return read_project(Path(workdir) / "project")


def emulate_file(target, inputs, hls, out=None, batch_size=8192, input_format=None) -> dict:
    from tqdm import tqdm

    from common.atomic import atomic_path
    from hls.emulate import emulate, input_size

    x = _inputs(inputs)
    with tempfile.TemporaryDirectory(prefix="l1cnn-emulate-") as work:
        project = _project(target, hls, input_format, work)
        per_sample = int(np.prod(x.shape[1:])) if x.ndim > 1 else 1
        want = input_size(project)
        if per_sample != want:
            raise UserError(f"inputs have shape {x.shape}: {per_sample} values a sample, but the firmware reads "
                            f"{want}; reshape them to (N, ...) with {want} values a sample")
        n = len(x)
        started = time.perf_counter()
        n_outputs, shown = None, []
        with (atomic_path(out) if out else contextlib.nullcontext()) as tmp:
            y = None
            with tqdm(total=n, unit="sample", desc="emulate", disable=n <= batch_size) as bar:
                for start in range(0, n, batch_size):
                    stop = min(n, start + batch_size)
                    batch = emulate(project, np.asarray(x[start:stop], np.float64))
                    n_outputs = batch.shape[1]
                    if out and y is None:  # the output file, once the first batch says how wide it is
                        y = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float64, shape=(n, n_outputs))
                    if y is not None:
                        y[start:stop] = batch
                    elif len(shown) < PRINTED_SAMPLES:
                        shown.extend(batch[:PRINTED_SAMPLES - len(shown)].tolist())
                    bar.update(stop - start)
            if y is not None:
                y.flush()
                del y
        seconds = time.perf_counter() - started
    return {"n_samples": n, "n_outputs": n_outputs, "out": str(out) if out else None, "seconds": round(seconds, 3),
            "samples_per_second": round(n / seconds, 1) if seconds > 0 else None,
            "source": "emulator (bit-exact with the C simulation, hls/emulate/)",
            **({} if out else {"outputs_of_first_samples": shown})}


def main(args, hls, input_format=None) -> int:
    res = emulate_file(args.model_or_project, args.inputs, hls, args.out, args.batch_size, input_format)
    if args.json:
        print(json.dumps(res))
    else:
        print(f"emulated {res['n_samples']} samples ({res['n_outputs']} outputs each) in {res['seconds']} s, "
              f"{res['samples_per_second']} samples/s" + (f"; outputs in {res['out']}" if res["out"] else ":"))
        for row in res.get("outputs_of_first_samples", []):
            print("  " + " ".join(f"{v:.6g}" for v in row))
    return 0
