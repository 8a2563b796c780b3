"""Stage `report`: reports/<model>/summary.json (stable keys, see README), report.md and plots."""

import json

import h5py
import numpy as np

from common.atomic import write_json, write_text
from common.log import info
from hls.convert import read_settings
from l1cnn import cache, paths
from l1cnn.budget import verdict
from l1cnn.config import plain
from l1cnn.dataset import SPLITS, data_path
from l1cnn.errors import UserError
from l1cnn.evaluate import against_baselines, pair_scores, performance
from l1cnn.evaluate import baselines as evaluate_baselines
from hls.estimate.intervals import per_layer_errors
from l1cnn.figures import resources_block
from l1cnn.render.markdown import VARIANT_LABELS, render, render_index
from l1cnn.render.plots import binned_auc_plot, confusion_plot, layer_resources_plot, roc_plot
from l1cnn.stages.convert import firmware_keys
from l1cnn.stages.csim import csim_key, csim_path, logits_path
from l1cnn.stages.synth import SCHEMA as SYNTH_SCHEMA
from l1cnn.stages.synth import synth_path
from models.builder import walk
from physics import GENERATORS

SCHEMA_VERSION = 1
FIRMWARE = "csim_pruned"  # the variant whose figures are the model's headline


def _read_json(path, target):
    if not path.exists():
        raise UserError(f"{path} does not exist yet; run `{target}` first")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise UserError(f"{path} is unreadable or corrupt ({e}); run `{target}` again") from None


def _read_synth(cfg):
    """synth.json, checked to be whole and made from the current firmware projects."""
    path, redo = synth_path(cfg), f"make synth MODEL={cfg.name}"
    if not path.exists():
        return {"vendor_tool": None, "message": f"synthesis not run; run `{redo}`"}
    stamp = cache.read_stamp(path)
    if stamp is None:
        raise UserError(f"{path} has no readable stamp beside it; run `l1cnn synth --force --model {cfg.name}`")
    if stamp.get("firmware") != firmware_keys(cfg) or stamp.get("schema") != SYNTH_SCHEMA:
        raise UserError(f"{path} is stale (made from other firmware projects or by an older l1cnn); run "
                        f"`l1cnn synth --force --model {cfg.name}` or `{redo}`")
    synth = _read_json(path, f"l1cnn synth --force --model {cfg.name}")
    if not isinstance(synth, dict) or "vendor_tool" not in synth:
        raise UserError(f"{path} is not a synthesis result; run `l1cnn synth --force --model {cfg.name}`")
    return synth


def _dataset_block(cfg):
    ds = cfg.dataset.as_dict()
    try:
        with h5py.File(data_path(cfg), "r") as f:
            split = f["split"][:]
            validation = json.loads(f.attrs["validation"]) if "validation" in f.attrs else None
    except (OSError, KeyError, ValueError) as e:
        raise UserError(f"data file {data_path(cfg)} is unreadable or incomplete ({e}); delete it and run "
                        f"`make data MODEL={cfg.name}`") from None
    n = {s: int((split == SPLITS.index(s)).sum()) for s in SPLITS}
    block = {"generator": ds["generator"], "seed": ds["seed"], "file": paths.shown(data_path(cfg)),
             "n_per_class": ds["n_per_class"], "n_train": n["train"], "n_val": n["val"],
             "n_test": n["test"], "split_fractions": ds["split"], "input_image": cfg.input.image,
             "input_format": cfg.input.format, "lsb_gev": cfg.input.lsb_gev}
    if "energy_gev" in ds:
        block["energy_gev"] = ds["energy_gev"]
    return block, validation


def _layers_block(cfg, prune_info, settings):
    """Per-layer firmware types and sparsity, in architecture order (names as models.builder gives them)."""
    types, rows = settings["layer_types"], []
    for kind, _, name in walk(cfg.architecture):
        t, sp = types.get(name, {}), prune_info["sparsity"].get(name, {})
        rows.append({"name": name, "kind": kind, "weight_type": t.get("weight_t"), "bias_type": t.get("bias_t"),
                     "accum_type": t.get("accum_t"), "result_type": t.get("result_t"),
                     "n_weights": sp.get("weights"), "n_zero_weights": sp.get("zeros"),
                     "sparsity": sp.get("sparsity")})
    return rows


def _plots(out, cfg, gen, arrays, labels, features, perf, baselines, n_test):
    classes = list(cfg.classes)
    written = []
    for pair in gen.pairs:
        curves = {}
        for k in ("keras_float", "keras_qat", "keras_pruned", "csim_pruned", "csim_float"):
            score, s, b = pair_scores(arrays[k], classes, pair)
            keep = (labels == s) | (labels == b)
            curves[VARIANT_LABELS[k]] = (score[keep], labels[keep] == s)
        for name, (base_pair, score) in gen.baseline_scores(features).items():
            if base_pair == pair:  # the first (best-known) baseline of this pair
                s, b = classes.index(pair[0]), classes.index(pair[1])
                keep = (labels == s) | (labels == b)
                curves[f"baseline {name}"] = (score[keep], labels[keep] == s)
                break
        fname = "roc.png" if len(gen.pairs) == 1 else f"roc_{pair[0]}_vs_{pair[1]}.png".replace("+", "plus")
        roc_plot(out / fname, curves, f"{cfg.name}: {pair[0]} vs {pair[1]}, {n_test} test examples")
        written.append(fname)
    if len(classes) > 2:
        confusion_plot(out / "confusion.png", np.array(perf[FIRMWARE]["confusion"]), classes,
                       f"{cfg.name}: quantized+pruned firmware (C-sim)")
        written.append("confusion.png")
        for pair_name, entry in perf[FIRMWARE]["pair_auc_binned"].items():
            series = {VARIANT_LABELS[k]: perf[k]["pair_auc_binned"][pair_name]["auc"]
                      for k in ("keras_float", "keras_qat", FIRMWARE)}
            for name, base in baselines.items():
                if base["pair"] == pair_name and "auc_binned" in base:
                    series[f"baseline {name}"] = base["auc_binned"]["auc"]
            binned_auc_plot(out / "pair_auc_vs_energy.png", series, f"{pair_name} AUC vs true energy")
            written.append("pair_auc_vs_energy.png")
    return written


def per_layer_block(synth: dict) -> dict:
    """{variant: rows of hls.layer_compare.compare_layers}: the estimate's layers beside the vendor's
    per-layer rows (C synthesis instances, Vivado hierarchical utilization) where the vendor ran."""
    from hls.layer_compare import compare_layers

    vendor = synth.get("variants") or {}
    return {variant: compare_layers(est, vendor.get(variant)) for variant, est in (synth.get("estimates") or {}).items()}


def _read_rtl(cfg) -> dict:
    """rtl.json when it was made from the current projects and flow; else why not, in one line."""
    from l1cnn.stages.rtl import rtl_key, rtl_path

    path = rtl_path(cfg)
    if not path.exists():
        return {"status": "not run", "message": f"the open RTL flow has not run; run `make rtl MODEL={cfg.name}`"}
    if cache.read_key(path) != rtl_key(cfg):
        return {"status": "stale", "message": f"{paths.shown(path)} is from other firmware or another flow; run "
                                              f"`make rtl MODEL={cfg.name}`"}
    rtl = _read_json(path, f"l1cnn rtl --force --model {cfg.name}")
    return {"status": "done", **rtl}


def rtl_resources(rtl: dict) -> dict:
    """Per synthesized RTL variant, the headline figures in the resources schema: Yosys netlist counts,
    the pipeline's latency (cycles of the written Verilog) and II 1."""
    out = {}
    for variant, r in (rtl.get("variants") or {}).items():
        syn = r.get("synthesis")
        if not syn:  # simulated only (rtl.synthesize): no resource figures to judge
            continue
        c = syn["counts"]
        out[f"rtl_{variant}"] = {
            "source": "yosys", "latency_cycles": r["design"]["latency_cycles"],
            "latency_ns": r["latency_ns"], "ii_cycles": 1, "lut": c.get("lut_total"), "ff": c.get("ff"),
            "dsp": c.get("dsp"), "bram_18k": c.get("bram_18k"), "carry": c.get("carry"), "bram_36k_tiles": None}
    return out


def run(cfg, force=False) -> dict:
    name = cfg.name
    ckey = csim_key(cfg)
    if cache.read_key(csim_path(cfg)) != ckey:
        raise UserError(f"C simulation results for {name} are missing or stale; run `make csim MODEL={name}` first")
    gen = GENERATORS[cfg.dataset.generator]
    csim = _read_json(csim_path(cfg), f"make csim MODEL={name}")
    synth = _read_synth(cfg)
    rtl = _read_rtl(cfg)
    prune_info = _read_json(paths.artifact_dir(name) / "prune.json", f"make prune MODEL={name}")
    history = _read_json(paths.artifact_dir(name) / "train_history.json", f"make train MODEL={name}")
    settings = read_settings(paths.firmware_dir(name, "pruned"))
    try:
        with np.load(logits_path(cfg)) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as e:
        raise UserError(f"{logits_path(cfg)} is unreadable ({e}); run `l1cnn csim --force --model {name}`") from None
    labels = arrays["labels"]
    features = {k[len("feature_"):]: v for k, v in arrays.items() if k.startswith("feature_")}

    perf = {k: performance(arrays[k], labels, list(cfg.classes), features, gen) for k in VARIANT_LABELS if k in arrays}
    baselines = evaluate_baselines(features, labels, list(cfg.classes), gen)
    layers = _layers_block(cfg, prune_info, settings)
    n_w = sum(r["n_weights"] or 0 for r in layers)
    n_z = sum(r["n_zero_weights"] or 0 for r in layers)
    dataset, validation = _dataset_block(cfg)
    summary = {
        "schema_version": SCHEMA_VERSION,
        "model": name,
        "description": cfg.description,
        "classes": list(cfg.classes),
        "dataset": dataset,
        "training": {"seed": cfg.training.seed,
                     "epochs_run": {k: len(v.get("loss", [])) for k, v in history.items()}},
        "performance": perf,
        "baselines": baselines,
        "baseline_comparison": against_baselines(perf[FIRMWARE], baselines),
        "auc_drop_vs_float": perf["keras_float"]["auc"] - perf[FIRMWARE]["auc"],
        "accuracy_drop_vs_float": perf["keras_float"]["accuracy"] - perf[FIRMWARE]["accuracy"],
        "layers": layers,
        "sparsity": {"target": prune_info["target_sparsity"], "overall": n_z / n_w if n_w else 0.0,
                     "n_weights": n_w, "n_zero_weights": n_z},
        "csim": csim["pruned"],
        "csim_qat": csim["qat"],
        "csim_float": csim["float"],
        "firmware": {"project": paths.shown(paths.firmware_dir(name, "pruned")),
                     "float_project": paths.shown(paths.firmware_dir(name, "float")), "hls": cfg.hls.as_dict(),
                     "layer_reuse_factors": settings.get("layer_reuse_factors")},
        "resources": {**resources_block(synth), **rtl_resources(rtl)},
        "synthesis": synth,
        "rtl": rtl,
        "budget": plain(cfg.budget),
    }
    summary["level1_verdict"] = {v: verdict(r, cfg.budget, cfg.hls) for v, r in summary["resources"].items()}
    if validation is not None:
        summary["simulation_validation"] = validation
    out = paths.report_dir(name)
    summary["plots"] = _plots(out, cfg, gen, arrays, labels, features, perf, baselines, dataset["n_test"])
    summary["per_layer"] = per_layer_block(synth)
    summary["per_layer_calibration"] = per_layer_errors()
    if any(summary["per_layer"].values()):
        layer_resources_plot(out / "resources.png", summary["per_layer"], name)
        summary["plots"].append("resources.png")
    write_json(out / "summary.json", summary)
    write_text(out / "report.md", render(summary))
    write_text(paths.home() / "reports" / "index.md", render_index(paths.home() / "reports"))
    info("report", f"{name}: wrote {out / 'summary.json'}, {out / 'report.md'} and {len(summary['plots'])} plots")
    return summary
