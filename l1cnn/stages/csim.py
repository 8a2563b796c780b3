"""Stage `csim`: compile each firmware project with g++, run it on the whole test set, and
compare it with its Keras model on the same inputs (hls/check.py).

The quantized+pruned firmware must equal QKeras bit for bit on every sample;
where it does not, the first diverging layer is found by tracing. Keras logits
of all variants are kept for the report.
"""

import numpy as np

from common.atomic import atomic_path, write_json
from common.log import info
from l1cnn import cache, dataset, paths
from l1cnn.stages.convert import FIRMWARE_VARIANTS, firmware_keys


def csim_path(cfg):
    return paths.artifact_dir(cfg.name) / "csim.json"


def logits_path(cfg):
    return paths.artifact_dir(cfg.name) / "test_logits.npz"


def csim_key(cfg) -> str:
    from hls.emulate import source_digest

    # the stage also proves the emulator against the C simulation: a changed emulator is proven again
    return cache.make_key("csim", firmware_keys(cfg), source_digest())


def run(cfg, force=False) -> str:
    key, out = csim_key(cfg), csim_path(cfg)
    name = cfg.name
    if not force and cache.is_current(out, key):
        info("csim", f"{name}: C simulation results are up to date")
        return key
    from hls.check import check_project
    from hls.csim import default_jobs, library
    from models import io

    test = dataset.load(cfg, "test")
    x_q, x_f = dataset.model_inputs(cfg, test, True), dataset.model_inputs(cfg, test, False)
    logits, results = {}, {}
    for variant, exact in FIRMWARE_VARIANTS.items():
        model = io.load(paths.keras_model(name, variant))
        x = x_q if exact else x_f
        project = paths.firmware_dir(name, variant)
        _, compiled = library(project)
        how = "compiled" if compiled else "sources unchanged, compiled library reused"
        info("csim", f"{name}/{variant}: {project} ({how}): simulating {len(x)} test samples in "
                     f"{default_jobs()} processes")
        res, logits[f"keras_{variant}"], logits[f"csim_{variant}"] = check_project(
            model, project, x, cfg.hls, exact, progress=f"csim {name}/{variant}")
        results[variant] = res
        info("csim", f"{name}/{variant}: bit-exact {res['bit_exact_fraction']:.4%} of {res['n_samples']}, "
                     f"argmax agreement {res['argmax_agreement']:.4%}, max |diff| {res['max_abs_diff']:.3g}")
        emu = res["emulator"]
        if emu["status"] in ("differs", "failed"):  # the emulator must reproduce the firmware: an l1cnn defect
            raise RuntimeError(f"{name}/{variant}: the emulator {emu['status']} against the C simulation on "
                               f"{emu['n_samples'] - emu['n_identical']} of {emu['n_samples']} samples "
                               f"(first: {emu['first_differing_samples']}) {emu.get('reason', '')}")
        info("csim", f"{name}/{variant}: emulator vs C simulation: {emu['status']}"
                     + (f" on all {emu['n_samples']} samples" if emu["status"] == "identical" else f" ({emu['reason']})"))
    with atomic_path(logits_path(cfg)) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, labels=test.labels, **logits,
                                **{f"feature_{k}": v for k, v in test.features.items()})
    write_json(out, results)
    cache.write(out, key)
    return key
