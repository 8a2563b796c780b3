"""One point of a design-space scan, start to finish, in one worker process: train the float baseline
and the QKeras model on the point's config, prune it, write its hls4ml project, and measure the
firmware on the whole test set with the bit-exact emulator (checked against QKeras on every sample),
then estimate its resources and latency. In memory and a temporary directory: nothing of the
pipeline's artifacts is touched. The result is plain JSON; the driver stores it.

A point trains as the pipeline does (models.training.THREADS TensorFlow threads) and emulates in one
thread, so its weights and figures are the same bytes whatever the number of workers.
"""

import contextlib
import io
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

# TensorFlow's seeds are process-wide: on a Dask worker with several threads, points take turns
_ONE_AT_A_TIME = threading.Lock()
_SPLITS = {}  # (data file, input image) -> (train, val, test): read once per worker process


def _splits(data_file: str, cfg):
    from l1cnn import dataset

    key = (data_file, cfg.input.image)
    if key not in _SPLITS:
        _SPLITS.clear()  # one data set at a time per worker
        _SPLITS[key] = tuple(dataset.load(cfg, s, path=Path(data_file)) for s in dataset.SPLITS)
    return _SPLITS[key]


def _quiet():
    """TensorFlow's and Keras' chatter (retracing, legacy-format warnings) from every worker drowns the
    scan's progress bar."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def evaluate(task: dict) -> dict:
    """{"status": "done", figures...} or {"status": "failed", "error": one line} of one point.
    `task`: {"config": the point's YAML-form config, "source": where it came from, "data_file": the
    absolute path of its data set (workers may run on other machines sharing the file system)}."""
    with _ONE_AT_A_TIME:
        return _evaluate(task)


def _evaluate(task: dict) -> dict:
    from common.errors import L1CNNError
    from l1cnn.config import validate

    t0 = time.perf_counter()
    _quiet()
    try:
        cfg = validate(task["config"], task["source"])
        with contextlib.redirect_stderr(io.StringIO()):  # the stages' progress lines: the driver shows its own
            result = _measure(cfg, task)
    except L1CNNError as e:  # a combination the layers cannot take (found when built or converted)
        result = {"status": "failed", "error": str(e)}
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result


def _measure(cfg, task) -> dict:
    from hls.check import keras_logits
    from hls.convert import write_project
    from hls.csim import agreement
    from hls.emulate import emulate
    from hls.estimate import estimate_project
    from hls.prepare import prepare
    from hls.project import read_project
    from l1cnn import dataset
    from l1cnn.evaluate import performance
    from l1cnn.stages.prune import prune_model
    from l1cnn.figures import resources_block
    import tensorflow as tf

    from l1cnn.stages.train import fit_models
    from models.training import hold_threads
    from physics import GENERATORS

    hold_threads()  # before clear_session and the first model
    tf.keras.backend.clear_session()  # a long-lived worker: each point starts from a clean Keras state
    train, val, test = _splits(task["data_file"], cfg)
    _, qat, histories = fit_models(cfg, train, val, verbose=0)
    pruned, _, sparsity = prune_model(cfg, qat, train, val, verbose=0)
    x = dataset.model_inputs(cfg, test, True)
    y_keras = keras_logits(pruned, x)
    with tempfile.TemporaryDirectory(prefix="l1cnn-scan-") as tmp:
        project_dir = Path(tmp) / "project"
        write_project(prepare(pruned, exact=True), cfg.hls, project_dir, stamp="5ca17e57")
        y_fw = emulate(read_project(project_dir), x, workers=1)
        est = estimate_project(project_dir, cfg.hls.part, cfg.hls.clock_period_ns)
    gen = GENERATORS[cfg.dataset.generator]
    perf = performance(y_fw, test.labels, list(cfg.classes), test.features, gen)
    n_w = sum(s["weights"] for s in sparsity.values())
    n_z = sum(s["zeros"] for s in sparsity.values())
    resources = resources_block({"estimates": {"pruned": est}})["pruned"]
    resources.pop("utilization_percent", None)
    return {"status": "done", "performance": _plain(perf), "firmware_vs_qkeras": agreement(y_keras, y_fw),
            "resources": _plain(resources), "sparsity": n_z / n_w if n_w else 0.0,
            "parameters": int(qat.count_params()),
            "epochs_run": {k: len(v.get("loss", [])) for k, v in histories.items()}}


def _plain(value):
    """numpy scalars as Python numbers (the store holds JSON)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
