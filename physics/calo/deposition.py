"""How energy is laid down in the layers, shared by the EM and the hadronic showers:
minimum-ionizing tracks with Landau-like fluctuations, and sampling-fluctuated energy spots.

Part of the bottom `physics` layer: imports only numpy, the standard library and other
`physics.calo` modules.

Sampling fluctuations: each shower is a Poisson(K E / a^2) number of energy spots with
Gamma(k)-distributed energies of mean a^2 / K, K = 1 + 1/k, so sigma/E = a / sqrt(E) exactly
(the stochastic term a is the caller's: it depends on the shower type and the section).
"""
from __future__ import annotations

import math

import numpy as np

from physics.calo.detector import LAYER_MIP_GEV, LAYER_SECTION, Z_MID_MM

SPOT_GAMMA_SHAPE = 1.0  # spot energies ~ Gamma(k); k = 1 (exponential) -> K = 2
_SPOT_K = 1.0 + 1.0 / SPOT_GAMMA_SHAPE
MIP_LANDAU_WIDTH = np.where(LAYER_SECTION < 2, 0.08, 0.15)  # Moyal scale / mean (Si, scintillator)


def _moyal(rng, size):
    """Standard Moyal variates (a Landau approximation): -ln(Z^2), Z ~ N(0, 1); mean 1.2704."""
    z2 = np.square(rng.standard_normal(size))
    return -np.log(np.maximum(z2, 1e-12))


_MOYAL_MEAN = 0.5772156649015329 + math.log(2.0)


def mip_tracks(rng, dep, ev, x_ref, y_ref, z_ref, sx, sy, frac, e_max=None):
    """Deposits of minimum-ionizing tracks: frac (m, N_LAYERS) of each layer crossed.

    The track passes through (x_ref, y_ref) at depth z_ref with slopes (sx, sy).  Each layer
    gets MIP * frac with Moyal (Landau-like) fluctuations.  With e_max, the track stops once its
    mean energy loss reaches e_max (ranging out); returns the mean energy lost per track, GeV.
    """
    loss = frac * LAYER_MIP_GEV
    if e_max is not None:  # a slow particle ranges out: keep only the energy it has
        before = np.cumsum(loss, axis=1) - loss
        loss = np.clip(e_max[:, None] - before, 0.0, loss)
    t_idx, l_idx = np.nonzero(loss > 0)
    if t_idx.size:
        mean = loss[t_idx, l_idx]
        fluct = 1.0 + MIP_LANDAU_WIDTH[l_idx] * (_moyal(rng, t_idx.size) - _MOYAL_MEAN)
        dz = Z_MID_MM[l_idx] - z_ref[t_idx]
        dep.add(ev[t_idx], l_idx, x_ref[t_idx] + sx[t_idx] * dz, y_ref[t_idx] + sy[t_idx] * dz,
                mean * np.maximum(fluct, 0.0))
    return loss.sum(axis=1)


def n_spots(rng, energy, a):
    """Poisson(K E / a^2) spots of mean energy a^2 / K: keeps sigma/E = a / sqrt(E)."""
    return rng.poisson(_SPOT_K * np.maximum(energy, 0.0) / np.square(a))


def spot_energies(rng, a_per_spot):
    """Energies (GeV) of spots with stochastic terms a_per_spot: Gamma(k) of mean a^2 / K."""
    e = rng.standard_exponential(a_per_spot.size) if SPOT_GAMMA_SHAPE == 1.0 else \
        rng.standard_gamma(SPOT_GAMMA_SHAPE, a_per_spot.size) / SPOT_GAMMA_SHAPE
    return e * (np.square(a_per_spot) / _SPOT_K)
