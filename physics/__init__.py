"""Physics data generators: real event generation (jets) and a fast shower simulation (calo).

Each generator is a `Generator`: the classes it can make, a function that makes
`n` examples of one class deterministically from a seed, the images it writes
(and their shapes), the single-variable discriminants the CNN must beat, and the
schema of its own `dataset:` fields (read with common.checks, so the config layer needs
no generator-specific code). Bottom layer: imports only numpy, stdlib, common/ and physics/.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from common.checks import is_number
from physics.seeds import SEED_MAX, SEED_MIN  # noqa: F401  (re-exported: the config and data stage use them)


@dataclass(frozen=True)
class Generator:
    classes: tuple
    chunk: Callable            # (class_name, seed, n, dataset_cfg) -> {name: array}
    images: Callable           # dataset_cfg -> {image name: (H, W, C)}
    baseline_scores: Callable  # features -> {name: ((signal, background), score)}, higher = more signal-like
    pairs: tuple               # (signal, background) class pairs the report scores one against the other
    binned: dict               # pair -> (feature, bin edges): pairs also reported in bins of a feature
    fields: tuple = ()         # the generator's own dataset fields
    check_config: Callable = None  # (checker, dataset mapping, path) -> {field: normalized value}
    validation: Callable = None    # (events per point, seed) -> [{quantity, target, measured}], or None


# --- jets: Pythia 8 + FastJet --------------------------------------------------------------

def _jets_chunk(class_name, seed, n, ds):
    from physics.jets import generate_jets

    grids = {g: (v["pixels"], v["half_width"]) for g, v in ds["grids"].items()}
    return generate_jets(class_name, seed, n, grids)


def _jets_images(ds):
    return {g: (v["pixels"], v["pixels"], 1) for g, v in ds["grids"].items()}


def _jets_baselines(features):
    """Single-variable top taggers."""
    from physics.jets import TOP_MASS_GEV

    m = np.asarray(features["mass"], np.float64)
    pair = ("top", "qcd")
    return {"abs_mass_minus_175": (pair, -np.abs(m - TOP_MASS_GEV)), "jet_mass": (pair, m),
            "n_constituents": (pair, np.asarray(features["n_constituents"], np.float64))}


def _jets_check(c, d, p):
    grids = {}
    for name, g, gp in c.named_sections(d, "grids", p, ("pixels", "half_width"), "{pixels, half_width}"):
        grids[name] = {"pixels": c.integer(g, "pixels", gp, 2, 128),
                       "half_width": c.number(g, "half_width", gp, 0.0, 3.0, lo_open=True)}
    return {"grids": grids}


# --- calo: parametrized shower simulation -----------------------------------------------------

def _calo_chunk(class_name, seed, n, ds):
    from physics import calo

    sim = calo.simulate(class_name, seed, n, *ds["energy_gev"])
    out = {f"image_{v}": calo.l1_view(sim["ecal"], sim["hcal"], [tuple(s) for s in spec["segments"]], spec["pool"])
           for v, spec in ds["views"].items()}
    out["energy"] = sim["energy"]
    out.update(calo.shower_features(sim["ecal"], sim["hcal"]))
    return out


def _calo_images(ds):
    from physics.calo import ECAL_N_CELLS

    return {v: (ECAL_N_CELLS // s["pool"], ECAL_N_CELLS // s["pool"], len(s["segments"]) + 1)
            for v, s in ds["views"].items()}


def _calo_check(c, d, p):
    from physics.calo import E_MAX_SUPPORTED, E_MIN_SUPPORTED, ECAL_N_CELLS, ECAL_N_LAYERS

    e = c.get(d, "energy_gev", p)
    if (not isinstance(e, list) or len(e) != 2 or not all(is_number(v) for v in e)
            or not E_MIN_SUPPORTED <= e[0] < e[1] <= E_MAX_SUPPORTED):
        c.fail(f"{p}.energy_gev", f"must be [min, max] with {E_MIN_SUPPORTED:g} <= min < max <= "
                                  f"{E_MAX_SUPPORTED:g} GeV, the range the shower parametrization supports (got {e!r})")
    views = {}
    for name, v, vp in c.named_sections(d, "views", p, ("segments", "pool"),
                                        "{segments: [[first, last+1], ...], pool: n}"):
        pool = c.integer(v, "pool", vp, 1, ECAL_N_CELLS)
        segs = c.get(v, "segments", vp)
        if (not isinstance(segs, list) or not segs or
                not all(isinstance(sg, list) and len(sg) == 2 and all(type(x) is int for x in sg)
                        and 0 <= sg[0] < sg[1] <= ECAL_N_LAYERS for sg in segs)):
            c.fail(f"{vp}.segments", f"must list ECAL layer ranges [first, last+1] within 0..{ECAL_N_LAYERS} "
                                     f"(got {segs!r})")
        views[name] = {"segments": [list(sg) for sg in segs], "pool": pool}
    return {"energy_gev": [float(e[0]), float(e[1])],
            "validation_events": c.integer(d, "validation_events", p, 0, default=0), "views": views}


def _calo_validation(n, seed):
    from physics.calo.validation import validate

    return validate(n, seed=seed)


def _calo_baselines(features):
    from physics.calo.baselines import baseline_scores

    return baseline_scores(features)


def _calo_pairs():
    from physics.calo.baselines import ENERGY_BINS_GEV, PAIRS

    return PAIRS, {("gamma", "pi0"): ("energy", ENERGY_BINS_GEV)}


GENERATORS = {
    "jets": Generator(("qcd", "top"), _jets_chunk, _jets_images, _jets_baselines, (("top", "qcd"),), {},
                      fields=("grids",), check_config=_jets_check),
    "calo": Generator(("e-", "gamma", "pi0", "pi+"), _calo_chunk, _calo_images, _calo_baselines, *_calo_pairs(),
                      fields=("energy_gev", "validation_events", "views"), check_config=_calo_check,
                      validation=_calo_validation),
}
