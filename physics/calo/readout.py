"""Readout: energy deposits -> calorimeter cells, then 1 % cell intercalibration, 0.1 MIP Gaussian
noise and 0.5 MIP zero suppression.

Part of the bottom `physics` layer: imports only numpy, the standard library and other
`physics.calo` modules.

The cells of a chunk of events are one flat float64 array, event-major, each event's ECAL block
([layer, x, y]) followed by its HCAL block; split_cells turns it into the (ecal, hcal) arrays.
"""
from __future__ import annotations

import math

import numpy as np

from physics.calo.detector import (
    ECAL_CELL_MM, ECAL_N_CELLS, ECAL_N_LAYERS, HCAL_CELL_MM, HCAL_N_CELLS, HCAL_N_LAYERS,
    LAYER_MIP_GEV, N_LAYERS,
)

INTERCALIBRATION = 0.01      # relative, per cell
NOISE_MIP = 0.1              # Gaussian noise sigma, in MIPs of the layer
ZERO_SUPPRESSION_MIP = 0.5   # cells below this many MIPs are set to 0

_ECAL_CELLS_PER_EVENT = ECAL_N_LAYERS * ECAL_N_CELLS ** 2      # 15625
_HCAL_CELLS_PER_EVENT = HCAL_N_LAYERS * HCAL_N_CELLS ** 2      # 7260
_CELLS_PER_EVENT = _ECAL_CELLS_PER_EVENT + _HCAL_CELLS_PER_EVENT
_CELL_MIP_GEV = np.concatenate([np.repeat(LAYER_MIP_GEV[:ECAL_N_LAYERS], ECAL_N_CELLS ** 2),
                                np.repeat(LAYER_MIP_GEV[ECAL_N_LAYERS:], HCAL_N_CELLS ** 2)])


def _spots_to_cells(ev, layer, x, y):
    """Flat cell index (event-major, ECAL block then HCAL block) and validity mask."""
    in_ecal = layer < ECAL_N_LAYERS
    cell = np.where(in_ecal, ECAL_CELL_MM, HCAL_CELL_MM)
    half = np.where(in_ecal, 0.5 * ECAL_N_CELLS, 0.5 * HCAL_N_CELLS)
    ncell = np.where(in_ecal, ECAL_N_CELLS, HCAL_N_CELLS)
    ix = np.floor(x / cell + half).astype(np.int64)
    iy = np.floor(y / cell + half).astype(np.int64)
    ok = (layer >= 0) & (layer < N_LAYERS) & (ix >= 0) & (ix < ncell) & (iy >= 0) & (iy < ncell)
    local = np.where(
        in_ecal,
        (layer * ECAL_N_CELLS + ix) * ECAL_N_CELLS + iy,
        _ECAL_CELLS_PER_EVENT + ((layer - ECAL_N_LAYERS) * HCAL_N_CELLS + ix) * HCAL_N_CELLS + iy,
    )
    return ev * _CELLS_PER_EVENT + local, ok


class Deposits:
    """Collects (flat cell index, energy) pairs of one chunk of events."""

    def __init__(self):
        self.idx, self.e = [], []

    def add(self, ev, layer, x, y, e):
        flat, ok = _spots_to_cells(ev, layer, x, y)
        ok &= e > 0
        self.idx.append(flat[ok])
        self.e.append(e[ok])

    def dense(self, n_events):
        """Summed energy per cell: the flat float64 cell array of n_events events."""
        if not self.idx:
            return np.zeros(n_events * _CELLS_PER_EVENT)
        return np.bincount(np.concatenate(self.idx), weights=np.concatenate(self.e),
                           minlength=n_events * _CELLS_PER_EVENT)


def split_cells(acc, n_events):
    """(ecal, hcal) views, [event, layer, x, y], of the flat cell array of n_events events."""
    acc = acc.reshape(n_events, _CELLS_PER_EVENT)
    ecal = acc[:, :_ECAL_CELLS_PER_EVENT].reshape(n_events, ECAL_N_LAYERS, ECAL_N_CELLS, ECAL_N_CELLS)
    hcal = acc[:, _ECAL_CELLS_PER_EVENT:].reshape(n_events, HCAL_N_LAYERS, HCAL_N_CELLS, HCAL_N_CELLS)
    return ecal, hcal


# P(noise > zero-suppression threshold) of an empty cell: the rate of noise-only hits
_NOISE_TAIL_P = 0.5 * math.erfc(ZERO_SUPPRESSION_MIP / NOISE_MIP / math.sqrt(2.0))


def _gaussian_tail(rng, a, size):
    """Standard normal variates conditioned on X > a (Marsaglia's tail method)."""
    out = np.empty(0)
    while out.size < size:
        x = np.sqrt(a * a - 2.0 * np.log(rng.random(size)))
        out = np.concatenate([out, x[rng.random(size) * x <= a]])
    return out[:size]


def apply_readout(rng, acc, n_events):
    """In place: 1 % intercalibration and 0.1 MIP noise on hit cells, noise-only hits above the
    threshold elsewhere (Poisson number of 5-sigma tails), then 0.5 MIP zero suppression."""
    hit = np.flatnonzero(acc)
    mip = _CELL_MIP_GEV[hit % _CELLS_PER_EVENT]
    gain = 1.0 + INTERCALIBRATION * rng.standard_normal(hit.size)
    val = acc[hit] * gain + NOISE_MIP * mip * rng.standard_normal(hit.size)
    acc[hit] = np.where(val >= ZERO_SUPPRESSION_MIP * mip, val, 0.0)
    n_fake = rng.poisson(_NOISE_TAIL_P * n_events * _CELLS_PER_EVENT)
    if n_fake:
        where = rng.integers(0, n_events * _CELLS_PER_EVENT, n_fake)
        amp = _gaussian_tail(rng, ZERO_SUPPRESSION_MIP / NOISE_MIP, n_fake)
        empty = acc[where] == 0.0
        acc[where[empty]] = (NOISE_MIP * amp * _CELL_MIP_GEV[where % _CELLS_PER_EVENT])[empty]
