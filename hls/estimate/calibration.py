"""How far the offline estimate is from real vendor reports: per design, per figure and per layer.

The calibration designs are the folders of shared/fixtures/hls_reports/: each holds the vendor's
reports and the hls4ml project they were made from (`model/`), or is rebuilt (rebuilds.py). The
estimate of each project is compared with its reports: resources against Vivado post-synthesis
where the folder has it (C synthesis otherwise), latency and II against C synthesis; per layer
against the csynth instance rows and, where Vivado's hierarchical report exists, its layer rows.

`summarize` gives the medians `l1cnn calibrate` writes and the ratio quantiles (estimate / real,
central 68%) that become the interval of every estimated figure (intervals.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hls.estimate import estimate_project
from hls.layer_compare import compare_layers
from hls.vendor_reports import parse, used

FIGURES = ("lut", "ff", "dsp", "bram_18k", "latency", "ii")
_SCHEMA = {"lut": "LUT", "ff": "FF", "dsp": "DSP", "bram_18k": "BRAM_18K"}
CENTRAL = (0.16, 0.84)  # the central 68% of estimate/real: one sigma either side


@dataclass
class Design:
    name: str
    folder: Path
    project: Path | None       # the hls4ml project the reports were made from
    rebuild: object = None     # or a rebuild recipe (rebuilds.REBUILDS)
    note: str = ""             # how the project differs from the synthesized one


def designs(fixtures: Path) -> list[Design]:
    """Every calibration design under `fixtures` (a folder of report folders), sorted by name."""
    from hls.estimate.rebuilds import REBUILDS

    out = []
    for folder in sorted(p for p in Path(fixtures).iterdir() if p.is_dir()):
        model = folder / "model"
        if (model / "firmware" / "parameters.h").exists():
            out.append(Design(folder.name, folder, model))
        elif folder.name in REBUILDS:
            recipe, note = REBUILDS[folder.name]
            out.append(Design(folder.name, folder, None, recipe, f"rebuilt: {note}"))
    return out


def _reports_dir(folder: Path) -> Path:
    return folder / "reports" if (folder / "reports").is_dir() else folder


def real_figures(folder: Path) -> dict:
    """{figure: (value, source)} from the folder's reports, plus 'instances' (csynth) and
    'post_instances' (Vivado hierarchical) rows."""
    r = parse(_reports_dir(folder))
    post = r.get("post_synthesis") or {}
    out = {}
    for fig, key in _SCHEMA.items():
        if fig == "bram_18k":
            tiles = used(post, "BRAM_36K_tiles")
            value = None if tiles is None else round(2 * tiles)
        else:
            value = used(post, key)
        out[fig] = (value, "vivado-synth") if value is not None else (used(r["resources"], key), "csynth")
    out["latency"] = (r["latency"]["max_cycles"], "csynth")
    out["ii"] = (r["interval"]["max_cycles"], "csynth")
    out["instances"] = r.get("instances") or []
    out["post_instances"] = post.get("instances") or []
    out["post_impl_instances"] = (r.get("post_implementation") or {}).get("instances") or []
    out["part"] = r.get("part")
    return out


def _error(est, real):
    """est / real - 1; a real zero counts as one unit (0 BRAM estimated as 2: +200%)."""
    return None if real is None or est is None else (est - real) / max(real, 1)


def compare(design: Design, workdir: Path, external_models: Path) -> dict:
    """The estimate of one design against its reports."""
    project = design.project
    if project is None:
        project = design.rebuild(workdir / design.name, external_models)
    real = real_figures(design.folder)
    est = estimate_project(project)
    t = est["total"]
    estimated = {"lut": t["lut"], "ff": t["ff"], "dsp": t["dsp"], "bram_18k": t["bram_18k"],
                 "latency": t["latency_cycles"], "ii": t["ii_cycles"]}
    figures = {f: {"real": real[f][0], "source": real[f][1], "estimate": estimated[f],
                   "error": _error(estimated[f], real[f][0])} for f in FIGURES}
    report = {"instances": real["instances"], "post_synthesis": {"instances": real["post_instances"]},
              "post_implementation": {"instances": real["post_impl_instances"]}}
    layers = compare_layers(est, report)
    return {"design": design.name, "note": design.note, "part": est["part"], "io_type": est["io_type"],
            "cost_terms": est["cost_terms"], "layer_terms": {r["name"]: {"lut": r["lut_terms"], "ff": r["ff_terms"]}
                                                             for r in est["layers"]},
            "strategy": est["strategy"], "clock_period_ns": est["clock_period_ns"], "figures": figures,
            "layers": layers}


MIN_DESIGNS_PER_KIND = 2  # an io type's own quantiles need at least this many of its designs


def _stats(errors) -> dict:
    ratios = 1.0 + np.asarray(errors)
    return {"n_designs": len(errors), "median_abs_error": float(np.median(np.abs(errors))),
            "max_abs_error": float(np.max(np.abs(errors))),
            "ratio_quantiles": {str(q): float(np.quantile(ratios, q)) for q in CENTRAL},
            "ratio_range": [float(ratios.min()), float(ratios.max())],
            "ratio_median": float(np.median(ratios))}


def summarize(results: list) -> dict:
    """Per figure: the median and largest |error| and the central quantiles of estimate/real, over all
    designs and per io type (where it has MIN_DESIGNS_PER_KIND designs)."""
    out = {}
    for f in FIGURES:
        rows = [r for r in results if r["figures"][f]["error"] is not None]
        if not rows:
            continue
        out[f] = _stats([r["figures"][f]["error"] for r in rows])
        kinds = {}
        for io in sorted({r["io_type"] for r in rows}):
            errors = [r["figures"][f]["error"] for r in rows if r["io_type"] == io]
            if len(errors) >= MIN_DESIGNS_PER_KIND:
                kinds[io] = _stats(errors)
        out[f]["by_io_type"] = kinds
    return out


LAYER_SOURCES = ("csynth", "vivado_synth", "vivado_impl")
LAYER_FIGURES = ("lut", "ff", "dsp")


def summarize_layers(results: list) -> dict:
    """Per vendor source of per-layer rows and per figure: how far each layer's estimate has been from
    the real row of that layer (median and largest |error|, median estimate/real) over every matched
    layer of every design. Layers whose real figure and estimate are both zero are left out."""
    out = {}
    for source in LAYER_SOURCES:
        for fig in LAYER_FIGURES:
            errors = [_error(layer["estimate"][fig], layer[source][fig]) for r in results for layer in r["layers"]
                      if source in layer and (layer[source][fig] or layer["estimate"][fig])]
            if errors:
                ratios = 1.0 + np.asarray(errors)
                out.setdefault(source, {})[fig] = {
                    "n_layers": len(errors), "n_designs": len({r["design"] for r in results for layer in r["layers"]
                                                               if source in layer}),
                    "median_abs_error": float(np.median(np.abs(errors))), "max_abs_error": float(np.max(np.abs(errors))),
                    "ratio_median": float(np.median(ratios))}
    return out


def fit(results: list) -> dict:
    """Refit the FIT coefficients (coefficients.FITTED) to the designs' post-synthesis totals by
    non-negative least squares of estimate/real - 1, the STRUCTURAL ones held; with the in-sample and
    leave-one-design-out |errors| of LUT and FF."""
    from scipy.optimize import nnls

    from hls.estimate import coefficients

    out = {}
    for kind, table in (("lut", coefficients.LUT), ("ff", coefficients.FF)):
        names = coefficients.FITTED[kind]
        rows = [r for r in results if r["figures"][kind]["real"]]
        terms = [r["cost_terms"][kind] for r in rows]
        a = np.array([[t.get(n, 0.0) for n in names] for t in terms])
        held = np.array([t.get("fixed", 0.0) + sum(v * t.get(k, 0.0) for k, v in table.items() if k not in names)
                         for t in terms])
        y = np.array([r["figures"][kind]["real"] for r in rows], float)
        aw, bw = a / y[:, None], (y - held) / y
        x, _ = nnls(aw, bw)
        loo = []
        for i in range(len(rows)):
            keep = np.arange(len(rows)) != i
            xi, _ = nnls(aw[keep], bw[keep])
            loo.append(float((a[i] @ xi + held[i]) / y[i] - 1))
        err = (a @ x + held) / y - 1
        out[kind] = {"coefficients": dict(zip(names, map(float, x))),
                     "in_sample_median_abs_error": float(np.median(np.abs(err))),
                     "leave_one_out_median_abs_error": float(np.median(np.abs(loo))),
                     "leave_one_out_max_abs_error": float(np.max(np.abs(loo))),
                     "leave_one_out": {r["design"]: e for r, e in zip(rows, loo)}}
    return out
