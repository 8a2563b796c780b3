"""Stage `report`: reports/<model>/summary.json (stable keys, see README), report.md and plots."""

import json

import h5py
import numpy as np

from l1cnn import paths, stamp
from l1cnn.atomic import write_json, write_text
from l1cnn.errors import UserError
from l1cnn.log import info
from l1cnn.metrics import auc, binary_score, rejection_at
from l1cnn.plots import roc_plot
from l1cnn.report_md import VARIANT_LABELS, render
from l1cnn.stages.csim import csim_key, csim_path, logits_path
from l1cnn.stages.data import data_path
from l1cnn.stages.synth import synth_path
from physics import BASELINES

SCHEMA_VERSION = 1
SIGNAL_EFFICIENCY = 0.3


def _perf(logits, labels):
    score, sig = binary_score(logits), labels == 1
    return {"auc": auc(score, sig), "rejection_at_30pct": rejection_at(score, sig, SIGNAL_EFFICIENCY),
            "accuracy": float(np.mean(np.argmax(logits, 1) == labels))}


def _read_json(path, target):
    if not path.exists():
        raise UserError(f"{path} does not exist yet; run `{target}` first")
    return json.loads(path.read_text())


def _dataset_block(cfg):
    ds = cfg["dataset"]
    with h5py.File(data_path(cfg), "r") as f:
        split = f["split"][:]
    return {"generator": ds["generator"], "seed": ds["seed"], "file": paths.shown(data_path(cfg)),
            "n_per_class": ds["n_per_class"], "n_train": int((split == 0).sum()), "n_val": int((split == 1).sum()),
            "n_test": int((split == 2).sum()), "split_fractions": ds["split"], "input_grid": cfg["input"]["grid"],
            "input_format": cfg["input"]["format"], "et_lsb_gev": cfg["input"]["et_lsb_gev"]}


def _layers_block(cfg, prune_info, settings):
    """Per-layer firmware types and sparsity, in architecture order (names as models.builder gives them)."""
    types, counts, rows = settings["layer_types"], {}, []
    for item in cfg["architecture"]:
        kind = next(iter(item))
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}{counts[kind]}"
        t, sp = types.get(name, {}), prune_info["sparsity"].get(name, {})
        rows.append({"name": name, "kind": kind, "weight_type": t.get("weight_t"), "bias_type": t.get("bias_t"),
                     "accum_type": t.get("accum_t"), "result_type": t.get("result_t"),
                     "n_weights": sp.get("weights"), "n_zero_weights": sp.get("zeros"),
                     "sparsity": sp.get("sparsity")})
    return rows


def run(cfg, force=False) -> dict:
    name = cfg["name"]
    ckey = csim_key(cfg)
    if stamp.read_key(csim_path(cfg)) != ckey:
        raise UserError(f"C simulation results for {name} are missing or stale; run `make csim MODEL={name}` first")
    csim = _read_json(csim_path(cfg), f"make csim MODEL={name}")
    synth = json.loads(synth_path(cfg).read_text()) if synth_path(cfg).exists() else {
        "vendor_tool": None, "message": f"synthesis not run; run `make synth MODEL={name}`"}
    prune_info = _read_json(paths.artifact_dir(name) / "prune.json", f"make prune MODEL={name}")
    history = _read_json(paths.artifact_dir(name) / "train_history.json", f"make train MODEL={name}")
    settings = json.loads((paths.firmware_dir(name, "pruned") / "l1cnn_hls_settings.json").read_text())
    with np.load(logits_path(cfg)) as z:
        arrays = {k: z[k] for k in z.files}
    labels = arrays["labels"]
    features = {k[len("feature_"):]: v for k, v in arrays.items() if k.startswith("feature_")}

    performance = {k: _perf(arrays[k], labels) for k in VARIANT_LABELS if k in arrays}
    baselines = {}
    for bname, score in BASELINES.get(cfg["dataset"]["generator"], lambda f: {})(features).items():
        baselines[bname] = {"auc": auc(score, labels == 1),
                            "rejection_at_30pct": rejection_at(score, labels == 1, SIGNAL_EFFICIENCY)}
    layers = _layers_block(cfg, prune_info, settings)
    n_w = sum(r["n_weights"] or 0 for r in layers)
    n_z = sum(r["n_zero_weights"] or 0 for r in layers)
    summary = {
        "schema_version": SCHEMA_VERSION,
        "model": name,
        "description": cfg.get("description", ""),
        "classes": cfg["classes"],
        "dataset": _dataset_block(cfg),
        "training": {"seed": cfg["training"]["seed"],
                     "epochs_run": {k: len(v.get("loss", [])) for k, v in history.items()}},
        "performance": performance,
        "baselines": baselines,
        "auc_drop_vs_float": performance["keras_float"]["auc"] - performance["csim_pruned"]["auc"],
        "layers": layers,
        "sparsity": {"target": prune_info["target_sparsity"], "overall": n_z / n_w if n_w else 0.0,
                     "n_weights": n_w, "n_zero_weights": n_z},
        "csim": csim["pruned"],
        "csim_float": csim["float"],
        "firmware": {"project": paths.shown(paths.firmware_dir(name, "pruned")),
                     "float_project": paths.shown(paths.firmware_dir(name, "float")), "hls": cfg["hls"]},
        "synthesis": synth,
    }
    out = paths.report_dir(name)
    curves = {VARIANT_LABELS[k]: (binary_score(arrays[k]), labels == 1) for k in VARIANT_LABELS if k in arrays}
    for bname in ("abs_mass_minus_175",):
        if bname in baselines:
            score = BASELINES[cfg["dataset"]["generator"]](features)[bname]
            curves[f"baseline |m - 175 GeV|"] = (score, labels == 1)
    roc_plot(out / "roc.png", curves, f"{name}: {cfg['classes'][1]} vs {cfg['classes'][0]}, "
                                      f"{summary['dataset']['n_test']} test examples")
    write_json(out / "summary.json", summary)
    write_text(out / "report.md", render(summary))
    info("report", f"{name}: wrote {out / 'summary.json'}, {out / 'report.md'}, {out / 'roc.png'}")
    return summary
