"""Parametrized fast simulation of single particles in a CLIC/LCD-like sampling calorimeter.

Part of the bottom `physics` layer: imports only numpy, the standard library and other
`physics` modules.

Geant4 cannot run offline here (its physics data sets are not installable), so showers are drawn
from published parametrizations, vectorized over events with numpy (see
shared/notes/physics-data.md, section 2, for the model and the validation targets).  Modules:

* detector: geometry, materials, per-layer tables, supported energy range;
* deposition: MIP tracks (Landau-like) and sampling-fluctuated energy spots;
* em: GFlash EM showers, photons, pi0 -> gamma gamma; the e-, gamma and pi0 simulators;
* hadronic: the pi+ simulator (MIP track, first interaction, EM fraction, hadronic profile);
* readout: deposits -> cells, intercalibration, noise, zero suppression;
* views: the Level-1 trigger view (l1_view) and the shower features;
* validation, baselines: checks against the note's targets, single-variable discriminants.

This module holds `simulate` (argument checks, the per-particle simulators) and re-exports the
public names, so `from physics import calo; calo.simulate(...)` is the interface.

Calibration: every deposit is visible energy on the EM scale, in GeV.  The simulation draws the
EM-scale energy of each spot directly, i.e. the energy sampled in the active layers divided by
the EM sampling fraction of the layer it lies in (thin, thick ECAL and HCAL layers each have their
own factor), so that an electron's ECAL + HCAL sum is ~E minus leakage and zero suppression.  A
minimum-ionizing track then shows its full energy loss in the layer (e/mip = 1), and hadronic
energy shows h/e = 0.65 of itself.

Determinism: one np.random.Generator from the seed; the same (particle, seed, n, e_min, e_max)
gives bit-identical arrays.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from physics.calo.detector import (
    E_MAX_SUPPORTED, E_MIN_SUPPORTED, ECAL_CELL_MM, ECAL_N_CELLS, ECAL_N_LAYERS, HCAL_CELL_MM,
    HCAL_N_CELLS, HCAL_N_LAYERS, LAYER_MIP_GEV, N_LAYERS,
)
from physics.calo.em import sim_electron, sim_gamma, sim_pi0
from physics.calo.hadronic import sim_pion
from physics.calo.readout import Deposits, apply_readout, split_cells
from physics.calo.views import l1_view, shower_features

__all__ = [
    "PARTICLES", "simulate", "l1_view", "shower_features",
    "E_MIN_SUPPORTED", "E_MAX_SUPPORTED", "ECAL_N_LAYERS", "ECAL_N_CELLS", "ECAL_CELL_MM",
    "HCAL_N_LAYERS", "HCAL_N_CELLS", "HCAL_CELL_MM", "N_LAYERS", "LAYER_MIP_GEV",
]

PARTICLES = ("e-", "gamma", "pi0", "pi+")
_SIMULATORS = {"e-": sim_electron, "gamma": sim_gamma, "pi0": sim_pi0, "pi+": sim_pion}

_MAX_CHUNK_EVENTS = 128
_CHUNK_ENERGY_GEV = 6000.0  # bounds the number of spots held in memory at once


def _check_args(particle, seed, n, e_min, e_max):
    if particle not in PARTICLES:
        raise ValueError(f"unknown particle {particle!r}: must be one of {', '.join(PARTICLES)}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    for name, v in (("e_min", e_min), ("e_max", e_max)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"{name} must be a finite number of GeV, got {v!r}")
    if e_min >= e_max:
        raise ValueError(f"e_min must be below e_max, got e_min={e_min} >= e_max={e_max} GeV")
    if e_min < E_MIN_SUPPORTED or e_max > E_MAX_SUPPORTED:
        raise ValueError(f"energy range [{e_min}, {e_max}] GeV is outside the "
                         f"{E_MIN_SUPPORTED:g}-{E_MAX_SUPPORTED:g} GeV the parametrization supports")


def simulate(particle: str, seed: int, n: int, e_min: float = 10.0, e_max: float = 100.0) -> dict:
    """Simulate n single particles with energies uniform in [e_min, e_max] GeV.

    Returns {"energy": (n,) float64 true energy GeV, "ecal": (n, 25, 25, 25) float32,
    "hcal": (n, 60, 11, 11) float32}, calorimeter arrays as [event, layer, x, y] in GeV of
    EM-scale visible energy after readout.  Bit-identical for identical arguments.
    """
    _check_args(particle, seed, n, e_min, e_max)
    n = int(n)
    rng = np.random.default_rng(int(seed))
    energy = rng.uniform(float(e_min), float(e_max), n)
    ecal = np.zeros((n, ECAL_N_LAYERS, ECAL_N_CELLS, ECAL_N_CELLS), np.float32)
    hcal = np.zeros((n, HCAL_N_LAYERS, HCAL_N_CELLS, HCAL_N_CELLS), np.float32)
    sim = _SIMULATORS[particle]
    cum_e = np.concatenate([[0.0], np.cumsum(energy)])
    start = 0
    while start < n:  # chunks bound the memory (spots scale with the chunk's total energy)
        stop = int(np.searchsorted(cum_e, cum_e[start] + _CHUNK_ENERGY_GEV, side="right")) - 1
        stop = min(max(stop, start + 1), start + _MAX_CHUNK_EVENTS, n)
        m = stop - start
        dep = Deposits()
        sim(rng, dep, energy[start:stop])
        acc = dep.dense(m)
        apply_readout(rng, acc, m)
        ecal[start:stop], hcal[start:stop] = split_cells(acc, m)
        start = stop
    return {"energy": energy, "ecal": ecal, "hcal": hcal}
