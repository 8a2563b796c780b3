"""Physics data generators: real event generation (jets) and a fast shower simulation (calo).

Each generator is a `Generator`: the classes it can make, a function that makes
`n` examples of one class deterministically from a seed, the images it writes
(and their shapes), and the single-variable discriminants the CNN must beat.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

SEED_MIN, SEED_MAX = 1, 900_000_000  # Pythia's seed range (0 would mean time-based); every generator accepts it


@dataclass(frozen=True)
class Generator:
    classes: tuple
    chunk: Callable            # (class_name, seed, n, dataset_cfg) -> {name: array}
    images: Callable           # dataset_cfg -> {image name: (H, W, C)}
    baseline_scores: Callable  # features -> {name: ((signal, background), score)}, higher = more signal-like
    pairs: tuple               # (signal, background) class pairs the report scores one against the other
    binned: dict               # pair -> (feature, bin edges): pairs also reported in bins of a feature


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


def _calo_baselines(features):
    from physics.calo_baselines import baseline_scores

    return baseline_scores(features)


def _calo_pairs():
    from physics.calo_baselines import ENERGY_BINS_GEV, PAIRS

    return PAIRS, {("gamma", "pi0"): ("energy", ENERGY_BINS_GEV)}


GENERATORS = {
    "jets": Generator(("qcd", "top"), _jets_chunk, _jets_images, _jets_baselines, (("top", "qcd"),), {}),
    "calo": Generator(("e-", "gamma", "pi0", "pi+"), _calo_chunk, _calo_images, _calo_baselines, *_calo_pairs()),
}
