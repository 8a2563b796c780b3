"""Level-1 reconstruction of simulated showers: the coarse trigger view (`l1_view`) a CNN sees,
and per-event shower features (`shower_features`) for the single-variable baselines and the
validation.

Part of the bottom `physics` layer: imports only numpy, the standard library and other
`physics.calo` modules.  Inputs are the (ecal, hcal) arrays of `physics.calo.simulate`,
[event, layer, x, y] in GeV.
"""
from __future__ import annotations

import numbers

import numpy as np

from physics.calo.detector import (
    ECAL_CELL_MM, ECAL_N_CELLS, ECAL_N_LAYERS, HCAL_CELL_MM, HCAL_N_CELLS, HCAL_N_LAYERS,
)


def _check_arrays(ecal, hcal):
    ecal, hcal = np.asarray(ecal), np.asarray(hcal)
    if ecal.ndim != 4 or ecal.shape[1:] != (ECAL_N_LAYERS, ECAL_N_CELLS, ECAL_N_CELLS):
        raise ValueError(f"ecal must have shape (n, {ECAL_N_LAYERS}, {ECAL_N_CELLS}, "
                         f"{ECAL_N_CELLS}), got {ecal.shape}")
    if hcal.shape != (ecal.shape[0], HCAL_N_LAYERS, HCAL_N_CELLS, HCAL_N_CELLS):
        raise ValueError(f"hcal must have shape ({ecal.shape[0]}, {HCAL_N_LAYERS}, {HCAL_N_CELLS}, "
                         f"{HCAL_N_CELLS}), got {hcal.shape}")
    return ecal, hcal


def _crop(pool):
    """(offset, size) of the largest multiple of `pool` cells centred in the ECAL window; when
    the surplus is odd the extra cell is dropped at the high-index edge."""
    size = (ECAL_N_CELLS // pool) * pool
    return (ECAL_N_CELLS - size) // 2, size


def _hcal_overlap_matrix(pool: int) -> np.ndarray:
    """(H, 11) fraction of each HCAL cell's width inside each coarse pixel (one axis)."""
    offset, size = _crop(pool)
    edges = (np.arange(offset, offset + size + 1, pool) - 0.5 * ECAL_N_CELLS) * ECAL_CELL_MM
    h_edges = (np.arange(HCAL_N_CELLS + 1) - 0.5 * HCAL_N_CELLS) * HCAL_CELL_MM
    lo = np.maximum(edges[:-1, None], h_edges[None, :-1])
    hi = np.minimum(edges[1:, None], h_edges[None, 1:])
    return np.clip(hi - lo, 0.0, None) / HCAL_CELL_MM


def l1_view(ecal, hcal, segments: list[tuple[int, int]], pool: int) -> np.ndarray:
    """Coarse trigger view: (n, H, W, len(segments) + 1) float32.

    Channel i is the ECAL summed over layers [a, b) of segments[i], cropped to the largest
    multiple of `pool` centred in the 25 x 25 window and summed over pool x pool cells (H = W =
    25 // pool).  The last channel is the HCAL energy of all layers, shared among the coarse
    pixels by the area each pixel has in common with each 30 mm HCAL cell (energy assumed uniform
    within an HCAL cell), so the HCAL energy inside the ECAL window's footprint is conserved.
    """
    ecal, hcal = _check_arrays(ecal, hcal)
    if isinstance(pool, bool) or not isinstance(pool, numbers.Integral) or not 1 <= pool <= ECAL_N_CELLS:
        raise ValueError(f"pool must be an integer in 1..{ECAL_N_CELLS}, got {pool!r}")
    segments = list(segments)
    if not segments:
        raise ValueError("segments must name at least one ECAL layer range [a, b)")
    for seg in segments:
        try:
            a, b = seg
        except (TypeError, ValueError):
            raise ValueError(f"segment {seg!r} must be a pair (a, b)") from None
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (a, b)) \
                or not 0 <= a < b <= ECAL_N_LAYERS:
            raise ValueError(f"segment {seg!r} must satisfy 0 <= a < b <= {ECAL_N_LAYERS}")
    pool = int(pool)
    offset, size = _crop(pool)
    npix = size // pool
    n = ecal.shape[0]
    out = np.empty((n, npix, npix, len(segments) + 1), np.float32)
    win = slice(offset, offset + size)
    for i, (a, b) in enumerate(segments):
        img = ecal[:, a:b, win, win].sum(axis=1, dtype=np.float64)
        out[..., i] = img.reshape(n, npix, pool, npix, pool).sum(axis=(2, 4))
    share = _hcal_overlap_matrix(pool)
    h2d = hcal.sum(axis=1, dtype=np.float64)
    out[..., -1] = np.einsum("jk,nkl,ml->njm", share, h2d, share)
    return out


def shower_features(ecal, hcal) -> dict:
    """Per-event single variables (float64 arrays of shape (n,)).

    e_ecal, e_hcal, e_total (GeV); ecal_fraction = e_ecal / e_total (0 for empty events);
    e_first_layers: ECAL layers 0-1 (GeV); width: energy-weighted transverse RMS radius of the
    layer-summed ECAL image about its centroid, sqrt(var_x + var_y), in cells;
    shower_max_layer: energy-weighted MEAN ECAL layer index (the longitudinal centre of
    gravity, a smooth proxy of the shower-maximum depth; layer index, not X0).
    """
    ecal, hcal = _check_arrays(ecal, hcal)
    layer_e = ecal.sum(axis=(2, 3), dtype=np.float64)  # (n, 25)
    e_ecal = layer_e.sum(axis=1)
    e_hcal = hcal.sum(axis=(1, 2, 3), dtype=np.float64)
    e_total = e_ecal + e_hcal
    safe_ecal = np.where(e_ecal > 0, e_ecal, 1.0)
    img = ecal.sum(axis=1, dtype=np.float64)  # (n, 25, 25)
    px = img.sum(axis=2)  # projection on x
    py = img.sum(axis=1)
    c = np.arange(ECAL_N_CELLS, dtype=np.float64)
    mx, my = px @ c / safe_ecal, py @ c / safe_ecal
    var = (px @ c ** 2 + py @ c ** 2) / safe_ecal - mx ** 2 - my ** 2
    layers = np.arange(ECAL_N_LAYERS, dtype=np.float64)
    return {
        "e_total": e_total,
        "e_ecal": e_ecal,
        "e_hcal": e_hcal,
        "ecal_fraction": np.where(e_total > 0, e_ecal / np.where(e_total > 0, e_total, 1.0), 0.0),
        "e_first_layers": layer_e[:, :2].sum(axis=1),
        "width": np.where(e_ecal > 0, np.sqrt(np.maximum(var, 0.0)), 0.0),
        "shower_max_layer": np.where(e_ecal > 0, layer_e @ layers / safe_ecal, 0.0),
    }
