"""The calorimeter: geometry, materials and per-layer tables of the CLIC/LCD-like Si-W ECAL +
Fe-scintillator HCAL, plus the depth and impact-point helpers that only need the geometry.

Part of the bottom `physics` layer: imports only numpy and the standard library.

Geometry: the ECAL window is 25 x 25 cells of 5.1 mm and the HCAL window 11 x 11 cells of 30 mm,
both centred on the same point: the centre of the ECAL cell hit by the particle.  The particle
enters at normal incidence at a uniformly random point of that central ECAL cell (+-2.55 mm in x
and y; RANDOM_IMPACT_OFFSET), so showers are not all centred on a cell centre.  z = 0 is the ECAL
front face; the HCAL follows the ECAL without a gap.  Layers are numbered ECAL first (0-24), then
HCAL (25-84).  Depths are kept in three coordinates with matching layer boundaries: mm
(Z_BOUNDS_MM), radiation lengths (X0_BOUNDS) and interaction lengths (LAMBDA_BOUNDS).
"""
from __future__ import annotations

import numpy as np

E_MIN_SUPPORTED, E_MAX_SUPPORTED = 1.0, 500.0  # GeV, the range the parametrizations are valid in

# ECAL, Si-W: 17 thin + 8 thick layers, each absorber + 0.5 mm Si + 1.1 mm PCB
ECAL_N_THIN, ECAL_N_THICK = 17, 8
ECAL_N_LAYERS = ECAL_N_THIN + ECAL_N_THICK  # 25
ECAL_W_THIN_MM, ECAL_W_THICK_MM = 2.4, 4.8
ECAL_SI_MM, ECAL_PCB_MM = 0.5, 1.1
ECAL_CELL_MM = 5.1
ECAL_N_CELLS = 25  # window is ECAL_N_CELLS x ECAL_N_CELLS

# HCAL, Fe-scintillator: 60 x (20 mm Fe + 3 mm scintillator + 3 mm air gap)
HCAL_N_LAYERS = 60
HCAL_FE_MM, HCAL_SCINT_MM, HCAL_GAP_MM = 20.0, 3.0, 3.0
HCAL_CELL_MM = 30.0
HCAL_N_CELLS = 11

N_LAYERS = ECAL_N_LAYERS + HCAL_N_LAYERS  # 85 longitudinal layers, ECAL first
ECAL_WINDOW_MM = ECAL_N_CELLS * ECAL_CELL_MM  # 127.5 mm
HCAL_WINDOW_MM = HCAL_N_CELLS * HCAL_CELL_MM  # 330 mm

RANDOM_IMPACT_OFFSET = True  # impact uniform within the central ECAL cell (else exactly centred)

# =============================================================================================
# Materials (PDG "Atomic and nuclear properties of materials" unless marked otherwise)
# density g/cm3, X0 mm, lambda_I mm, Moliere radius mm, E_c MeV (e-), Z (mass-weighted for
# compounds), <dE/dx>_min MeV cm2/g
# =============================================================================================
MATERIALS = {
    "W": dict(rho=19.30, X0=3.504, lam=99.46, RM=9.327, Ec=7.97, Z=74.0, dedx=1.145),
    "Si": dict(rho=2.329, X0=93.70, lam=465.2, RM=49.44, Ec=40.19, Z=14.0, dedx=1.664),
    # FR4 / G10 epoxy-glass is not in the PDG table: mixture estimate (about 60 % SiO2 by mass)
    "PCB": dict(rho=1.85, X0=178.0, lam=486.0, RM=70.0, Ec=54.0, Z=10.0, dedx=1.75),
    # note: X0 * 21.2 MeV / E_c would give 17.2 mm; the note's (PDG) 16.93 mm is kept
    "Fe": dict(rho=7.874, X0=17.57, lam=167.7, RM=16.93, Ec=21.68, Z=26.0, dedx=1.451),
    "Scint": dict(rho=1.060, X0=413.1, lam=770.7, RM=94.0, Ec=93.1, Z=5.6, dedx=1.936),  # polystyrene
    "Air": dict(rho=0.0012, X0=303900.0, lam=747600.0, RM=73600.0, Ec=87.9, Z=7.3, dedx=1.815),
}
E_S_MEV = 21.2  # scale energy of the Moliere radius, as used by GFlash

# Layer compositions: (material, thickness mm); the active medium is the second entry
_SECTIONS = (
    (("W", ECAL_W_THIN_MM), ("Si", ECAL_SI_MM), ("PCB", ECAL_PCB_MM)),   # 0: thin ECAL
    (("W", ECAL_W_THICK_MM), ("Si", ECAL_SI_MM), ("PCB", ECAL_PCB_MM)),  # 1: thick ECAL
    (("Fe", HCAL_FE_MM), ("Scint", HCAL_SCINT_MM), ("Air", HCAL_GAP_MM)),  # 2: HCAL
)


def _section_properties(layers):
    """Effective properties of one sampling layer (GFlash mixing rules, hep-ex/0001020 sec. 4).

    Lengths by volume fraction: 1/X0 = sum v_i/X0_i, 1/lambda = sum v_i/lambda_i,
    1/R_M = sum v_i E_c,i / (E_s X0_i) (E_s = 21.2 MeV), E_c = X0 * sum v_i E_c,i/X0_i;
    Z_eff by mass fraction; F_S = X0_eff / (layer thickness); e_hat = 1/(1 + 0.007 (Z_p - Z_a)).
    """
    d = np.array([t for _, t in layers])
    m = [MATERIALS[name] for name, _ in layers]
    thick = d.sum()
    v = d / thick
    mass = np.array([mi["rho"] * di for mi, di in zip(m, d)])
    w = mass / mass.sum()
    x0 = 1.0 / sum(vi / mi["X0"] for vi, mi in zip(v, m))
    lam = 1.0 / sum(vi / mi["lam"] for vi, mi in zip(v, m))
    ec_over_x0 = sum(vi * mi["Ec"] / mi["X0"] for vi, mi in zip(v, m))  # MeV / mm
    # GFlash's R_M from E_c/X0; for pure tungsten it gives 9.33 mm, equal to the PDG value
    rm = E_S_MEV / ec_over_x0
    return dict(
        thickness=thick, X0=x0, lam=lam, RM=rm, Ec=x0 * ec_over_x0,
        Z=float(sum(wi * mi["Z"] for wi, mi in zip(w, m))),
        Fs=x0 / thick, ehat=1.0 / (1.0 + 0.007 * (m[0]["Z"] - m[1]["Z"])),
        # energy lost by a minimum-ionizing particle crossing the whole layer, GeV
        mip=1e-3 * sum(mi["dedx"] * mi["rho"] * 0.1 * di for mi, di in zip(m, d)),
    )


SECTION_PROPS = tuple(_section_properties(s) for s in _SECTIONS)
# For the record (computed): thin ECAL X0_eff 5.74 mm, R_M 14.1 mm, 0.697 X0 and 0.0277 lambda_I
# per layer; thick ECAL 4.63 mm, 11.8 mm, 1.382 X0, 0.0516 lambda_I; total ECAL 22.9 X0,
# 0.88 lambda_I (note: 22.9 X0, 0.87 lambda_I).  The note's effective R_M, 15.5 / 12.4 mm, is
# R_M(W) / (W volume fraction), i.e. it neglects the Si and PCB; including them gives 14.1 /
# 11.8 mm.  HCAL X0_eff 22.7 mm, R_M 21.7 mm, lambda_I 211 mm, 60 layers = 7.4 lambda_I (note:
# 7.7; Fe alone is 7.2).  MIP per layer: 5.85 / 11.2 / 23.5 MeV.

LAYER_SECTION = np.array([0] * ECAL_N_THIN + [1] * ECAL_N_THICK + [2] * HCAL_N_LAYERS)


def _layer_table(key):
    return np.array([SECTION_PROPS[s][key] for s in LAYER_SECTION])


LAYER_THICKNESS_MM = _layer_table("thickness")
LAYER_X0 = LAYER_THICKNESS_MM / _layer_table("X0")  # thickness in radiation lengths
LAYER_LAMBDA = LAYER_THICKNESS_MM / _layer_table("lam")  # thickness in interaction lengths
LAYER_RM_MM = _layer_table("RM")
LAYER_LAMBDA_MM = _layer_table("lam")
LAYER_MIP_GEV = _layer_table("mip")  # EM-scale signal of one MIP crossing the layer (e/mip = 1)
Z_BOUNDS_MM = np.concatenate([[0.0], np.cumsum(LAYER_THICKNESS_MM)])
X0_BOUNDS = np.concatenate([[0.0], np.cumsum(LAYER_X0)])
LAMBDA_BOUNDS = np.concatenate([[0.0], np.cumsum(LAYER_LAMBDA)])
Z_MID_MM = 0.5 * (Z_BOUNDS_MM[:-1] + Z_BOUNDS_MM[1:])


def layer_of(coord, bounds):
    """Layer index of a depth coordinate (0..N_LAYERS-1); N_LAYERS means behind the detector."""
    return np.searchsorted(bounds, coord, side="right") - 1


def track_fractions(c_from, c_to, bounds):
    """(m, N_LAYERS) fraction of each layer's thickness crossed between two depth coordinates."""
    lo, hi = bounds[:-1], bounds[1:]
    seg = np.minimum(c_to[:, None], hi) - np.maximum(c_from[:, None], lo)
    return np.clip(seg / (hi - lo), 0.0, 1.0)


def impact(rng, n):
    """Impact points (x, y) in mm on the ECAL face, relative to the window centre."""
    if not RANDOM_IMPACT_OFFSET:
        return np.zeros(n), np.zeros(n)
    x, y = rng.uniform(-0.5 * ECAL_CELL_MM, 0.5 * ECAL_CELL_MM, (2, n))
    return x, y
