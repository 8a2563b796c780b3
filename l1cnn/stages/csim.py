"""Stage `csim`: compile each firmware project with g++, run it on the whole test set, and
compare it with its Keras model on the same inputs.

The quantized+pruned firmware must equal QKeras bit for bit on every sample;
where it does not, the first diverging layer is found by tracing. Keras logits
of all variants are kept for the report.
"""

import numpy as np

from l1cnn import dataset, paths, stamp
from l1cnn.atomic import atomic_path, write_json
from l1cnn.log import info
from l1cnn.stages.convert import FIRMWARE_VARIANTS, firmware_keys

MAX_TRACED_SAMPLES = 64


def csim_path(cfg):
    return paths.artifact_dir(cfg["name"]) / "csim.json"


def logits_path(cfg):
    return paths.artifact_dir(cfg["name"]) / "test_logits.npz"


def csim_key(cfg) -> str:
    return stamp.make_key("csim", firmware_keys(cfg))


def run(cfg, force=False) -> dict:
    key, out = csim_key(cfg), csim_path(cfg)
    name = cfg["name"]
    if not force and stamp.is_current(out, key):
        info("csim", f"{name}: C simulation results are up to date")
        return stamp.read_key(out)
    import json

    from hls.csim import agreement, simulate
    from hls.convert import SETTINGS_FILE
    from hls.diagnose import diagnose_mismatches
    from models import io

    test = dataset.load(cfg, "test")
    x_q, x_f = dataset.model_inputs(cfg, test, True), dataset.model_inputs(cfg, test, False)
    logits, results = {}, {}
    for variant in FIRMWARE_VARIANTS:
        model = io.load(paths.keras_model(name, variant))
        x = x_f if variant == "float" else x_q
        logits[f"keras_{variant}"] = model.predict(x, batch_size=4096, verbose=0).astype(np.float64)
        project = paths.firmware_dir(name, variant)
        info("csim", f"{name}/{variant}: compiling {project} and simulating {len(x)} test samples")
        logits[f"csim_{variant}"] = simulate(project, x)
        res = agreement(logits[f"keras_{variant}"], logits[f"csim_{variant}"])
        res["bit_exact_required"] = FIRMWARE_VARIANTS[variant]
        res["first_mismatch_layer"] = None
        if res["n_mismatched"] and FIRMWARE_VARIANTS[variant]:
            types = json.loads((project / SETTINGS_FILE).read_text())["layer_types"]
            diag = diagnose_mismatches(model, logits[f"keras_{variant}"], logits[f"csim_{variant}"], x, types,
                                       dict(hls=cfg["hls"], exact=True), MAX_TRACED_SAMPLES)
            res["diagnosis"] = diag
            res["first_mismatch_layer"] = diag["layer"] if diag else None
        results[variant] = res
        info("csim", f"{name}/{variant}: bit-exact {res['bit_exact_fraction']:.4%} of {res['n_samples']}, "
                     f"argmax agreement {res['argmax_agreement']:.4%}, max |diff| {res['max_abs_diff']:.3g}")
    with atomic_path(logits_path(cfg)) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, labels=test.labels, **logits,
                                **{f"feature_{k}": v for k, v in test.features.items()})
    write_json(out, results)
    stamp.write(out, key)
    return key
