"""`l1cnn bench` (make bench): how fast each way of getting the firmware's answer is, measured side by
side in one run on the same inputs, and what compiling a project costs.

Engines, per model: hls4ml's own `predict` (its compiled C simulation, one sample at a time through
ctypes, in one process), l1cnn's C simulation (hls/csim.py: the cached library, one process and one
process per core), the emulator (hls/emulate/: exact integer arithmetic in float/int arrays, threads
over batches) and Keras `predict` of the same model (at batch size KERAS_BATCH and at Keras' default).
Compile: hls4ml's compile (it rebuilds on every call), l1cnn's first build of a project and its reuse.

Each throughput is the median of --repeats timed runs after one untimed warm-up, with the slowest and
fastest run as the spread (a run of a fast engine repeats its call for MIN_RUN_S and takes the mean);
the runs go round-robin (every engine once per round), so that the machine's load, which drifts on
shared machines, weighs on all engines alike. Every engine's outputs on the bench inputs are compared:
the C simulations and the emulator must be identical sample for sample, or the bench fails. Set-up
outside the timed runs: reading the project (emulator) and finding its library (C simulation); spawning
the C simulation's processes is inside them. Results: reports/bench.json and reports/bench.md.
"""
from __future__ import annotations

import contextlib
import io
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from common.atomic import write_json, write_text
from l1cnn import paths
from l1cnn.errors import UserError

MIN_RUN_S = 1.0  # a timed run repeats a fast engine's call for at least this long (its mean per call)
KERAS_BATCH = 1024  # Keras predict's batch for the comparison (its default of 32 is measured too)
SHIPPED = ("jet_cnn", "calo_pid")
SHIPPED_VARIANT = "pruned"  # the firmware a shipped model deploys
EXTERNAL = "hls4ml_tutorial_svhn_qcnn_h5"  # a 32x32x3 CNN someone else trained (tests/external_models.yaml)
EXTERNAL_LIST = paths.REPO / "tests" / "external_models.yaml"
# The done-when of the emulation issue, checked on every model benched.
TARGETS = {"emulator_over_keras": 1.0, "emulator_over_hls4ml_predict": 100.0, "csim_parallel_over_hls4ml_predict": 1.8}
ENGINES = {  # key -> what the report calls it
    "hls4ml_predict": "hls4ml predict (1 process)",
    "csim_1_process": "l1cnn C simulation, 1 process",
    "csim_parallel": "l1cnn C simulation, parallel",
    "emulator": "l1cnn emulator",
    "keras_predict": f"Keras predict (batch {KERAS_BATCH})",
    "keras_predict_default_batch": "Keras predict (default batch 32)",
}


def _timed(calls: dict, repeats: int, log) -> tuple[dict, dict]:
    """({engine: last output}, {engine: seconds of each run, median, min, max}): one untimed warm-up of
    every engine, then `repeats` rounds in which every engine runs once, so that a change in the
    machine's load during the bench reaches all engines alike."""
    for key, (fn, warm_up) in calls.items():
        (warm_up or fn)()
    seconds, outputs = {key: [] for key in calls}, {}
    for r in range(repeats):
        log(f"round {r + 1}/{repeats}: " + ", ".join(ENGINES[k] for k in calls))
        for key, (fn, _) in calls.items():
            n_calls, t = 0, time.perf_counter()
            while not n_calls or time.perf_counter() - t < MIN_RUN_S:  # a fast engine: called again
                outputs[key] = fn()
                n_calls += 1
            seconds[key].append((time.perf_counter() - t) / n_calls)
    return outputs, {k: {"seconds": [round(v, 5) for v in s], "median_s": statistics.median(s), "min_s": min(s),
                         "max_s": max(s)} for k, s in seconds.items()}


def _copy(project: Path, dest: Path) -> Path:
    """A fresh copy of a written project (no compiled library): compile times start cold."""
    shutil.copytree(project, dest, ignore=shutil.ignore_patterns(".csim", "*.so", "*.o"))
    return dest


def bench_case(name: str, project: Path, keras_model, x: np.ndarray, repeats: int, jobs: int, log=print) -> dict:
    """Every engine and the compile costs on one written project and its Keras model."""
    import hls4ml

    from hls.csim import CSim, library, predict
    from hls.emulate import emulate
    from hls.project import read_project

    x = np.ascontiguousarray(x, np.float32)
    n = len(x)
    compile_s = {}
    with tempfile.TemporaryDirectory(prefix="l1cnn-bench-") as tmp:
        a, b = _copy(project, Path(tmp) / "hls4ml"), _copy(project, Path(tmp) / "l1cnn")
        log(f"{name}: compiling twice (hls4ml's compile; l1cnn's first build, then its reuse)")
        with contextlib.redirect_stdout(io.StringIO()):
            t = time.perf_counter()
            graph = hls4ml.converters.link_existing_project(str(a))
            graph.compile()
            compile_s["hls4ml_compile"] = time.perf_counter() - t
        t = time.perf_counter()
        _, built = library(b)
        compile_s["l1cnn_first_build"] = time.perf_counter() - t
        t = time.perf_counter()
        _, rebuilt = library(b)
        compile_s["l1cnn_cached"] = time.perf_counter() - t
        if not built or rebuilt:
            raise RuntimeError(f"{name}: the library cache did not behave (built {built}, rebuilt {rebuilt})")
        csim, fw = CSim(b), read_project(b)
        calls = {
            "hls4ml_predict": (lambda: predict(graph, x), lambda: predict(graph, x[:8])),
            "csim_1_process": (lambda: csim.predict(x, 1), None),
            "csim_parallel": (lambda: csim.predict(x, jobs), None),
            "emulator": (lambda: emulate(fw, x), None),
            "keras_predict": (lambda: keras_model.predict(x, batch_size=KERAS_BATCH, verbose=0), None),
            "keras_predict_default_batch": (lambda: keras_model.predict(x, verbose=0), None),
        }
        outputs, runs = _timed(calls, repeats, lambda msg: log(f"{name}, {n} samples, {msg}"))
    for r in runs.values():
        r.update(samples_per_s=n / r["median_s"], spread_samples_per_s=[n / r["max_s"], n / r["min_s"]])
    identical = _identical(outputs)
    if not all(identical.values()):
        raise RuntimeError(f"{name}: outputs differ between engines {identical}: the bench measures nothing")
    return {"name": name, "n_samples": n, "repeats": repeats, "jobs": jobs, "engines": runs,
            "compile_s": compile_s, "identical_to_hls4ml_predict": identical,
            "ratios": _ratios(runs)}


def _as_firmware_floats(y) -> np.ndarray:
    """Outputs as the C simulation's float32 bridge returns them."""
    y = np.asarray(y, np.float64)
    return y.reshape(len(y), -1).astype(np.float32).astype(np.float64)


def _identical(outputs: dict) -> dict:
    ref = _as_firmware_floats(outputs["hls4ml_predict"])
    return {k: bool(np.array_equal(_as_firmware_floats(outputs[k]), ref))
            for k in ("csim_1_process", "csim_parallel", "emulator")}


def _ratios(runs: dict) -> dict:
    rate = {k: r["samples_per_s"] for k, r in runs.items()}
    keras = max(rate["keras_predict"], rate["keras_predict_default_batch"])  # the faster Keras
    return {"emulator_over_keras": rate["emulator"] / keras,
            "emulator_over_hls4ml_predict": rate["emulator"] / rate["hls4ml_predict"],
            "csim_parallel_over_hls4ml_predict": rate["csim_parallel"] / rate["hls4ml_predict"],
            "csim_1_process_over_hls4ml_predict": rate["csim_1_process"] / rate["hls4ml_predict"]}


def shipped_case(name: str, n: int):
    """(project, Keras model, inputs) of a shipped model's deployed variant and its test inputs."""
    from l1cnn import config, dataset
    from models import io as model_io

    cfg = config.load(name)
    project, model_file = paths.firmware_dir(name, SHIPPED_VARIANT), paths.keras_model(name, SHIPPED_VARIANT)
    if not (project / "build_lib.sh").is_file() or not model_file.is_file():
        raise UserError(f"{paths.shown(project)} or {paths.shown(model_file)} is missing; "
                        f"run `make convert MODEL={name}` first (make bench does)")
    x = dataset.model_inputs(cfg, dataset.load(cfg, "test"), True)[:n or None]
    return project, model_io.load(model_file), x


def external_case(name: str, n: int, workdir: Path):
    """(project, Keras model, inputs) of a listed external model, converted with l1cnn's exact types;
    inputs drawn as its list entry says (n of them)."""
    from hls.convert import write_project
    from hls.prepare import prepare
    from hls.settings import DEFAULTS
    from l1cnn.commands.external import make_inputs, read_list
    from models import io as model_io
    from quantize.formats import FixedFormat

    entries = read_list(EXTERNAL_LIST)
    if name not in entries:
        raise UserError(f"--external {name} is not in {paths.shown(EXTERNAL_LIST)}; pick one of {', '.join(entries)}")
    entry, root = entries[name], paths.SHARED_FIXTURES / "external_models"
    if not (root / entry["model"]).exists():
        raise UserError(f"{root / entry['model']} is missing; the bench reads the shared fixtures beside the repo")
    model = model_io.load(root / entry["model"])
    spec = {k: v for k, v in entry["inputs"].items() if k != "n"} | {"n": n}
    x = make_inputs(spec, model.input_shape[1:], root, seed=sum(map(ord, name)))[:n]
    prepared = prepare(model, input_format=FixedFormat.parse(entry["input_format"]))
    project = Path(workdir) / name
    write_project(prepared, DEFAULTS.with_(io_type=entry["io_type"]), project, stamp="0000bench")
    return project, model, x


def machine() -> dict:
    import hls4ml
    import tensorflow as tf

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return {"cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "cpu": cpu, "python": platform.python_version(), "numpy": np.__version__,
            "tensorflow": tf.__version__, "hls4ml": hls4ml.__version__,
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = ["# Bench: the firmware's answer, four ways", "",
             f"Measured by `make bench` (`l1cnn bench`) on {m['cores']} cores ({m['cpu']}), {m['date']}; "
             f"numpy {m['numpy']}, TensorFlow {m['tensorflow']}, hls4ml {m['hls4ml']}. Throughput is the median of "
             "the timed runs (spread: slowest to fastest run); every engine ran on the same inputs, and the C "
             "simulations and the emulator gave identical outputs on all of them.", ""]
    for case in result["cases"]:
        lines += [f"## {case['name']} ({case['n_samples']} samples, {case['repeats']} runs each)", "",
                  "| engine | samples/s (median) | spread | x hls4ml predict |", "|---|---:|---:|---:|"]
        base = case["engines"]["hls4ml_predict"]["samples_per_s"]
        for key, label in ENGINES.items():
            r = case["engines"][key]
            lo, hi = r["spread_samples_per_s"]
            lines.append(f"| {label} | {r['samples_per_s']:,.0f} | {lo:,.0f} - {hi:,.0f} | {r['samples_per_s'] / base:,.1f} |")
        c = case["compile_s"]
        lines += ["", f"Compile: hls4ml's compile {c['hls4ml_compile']:.1f} s (on every call); l1cnn's first build "
                  f"{c['l1cnn_first_build']:.1f} s, reused unchanged in {c['l1cnn_cached'] * 1000:.0f} ms.", ""]
        lines += ["| check | measured | target | met |", "|---|---:|---:|:-:|"]
        for key, target in TARGETS.items():
            v = case["ratios"][key]
            lines.append(f"| {key.replace('_', ' ')} | {v:,.2f} | >= {target:g} | {'yes' if v >= target else 'NO'} |")
        lines.append("")
    return "\n".join(lines)


def main(args) -> int:
    from hls.csim import default_jobs

    jobs = args.jobs or default_jobs()
    cases = []
    with tempfile.TemporaryDirectory(prefix="l1cnn-bench-prj-") as work:
        plan = [(m, lambda m=m: shipped_case(m, args.samples)) for m in args.model or SHIPPED]
        if not args.no_external:
            plan += [(e, lambda e=e: external_case(e, args.external_samples, Path(work))) for e in args.external or [EXTERNAL]]
        for name, make in plan:
            project, model, x = make()
            cases.append(bench_case(name, project, model, x, args.repeats, jobs))
    result = {"machine": machine(), "keras_batch": KERAS_BATCH, "targets": TARGETS, "cases": cases,
              "all_targets_met": all(c["ratios"][k] >= t for c in cases for k, t in TARGETS.items())}
    out = Path(args.out)
    write_json(out / "bench.json", result)
    write_text(out / "bench.md", markdown(result))
    print(markdown(result))
    return 0
