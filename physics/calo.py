"""Parametrized fast simulation of single particles in a CLIC/LCD-like sampling calorimeter.

Geant4 cannot run offline here (its physics data sets are not installable), so showers are drawn
from published parametrizations, vectorized over events with numpy (see
shared/notes/physics-data.md, section 2, for the model and the validation targets):

* EM showers: Grindhammer & Peters (GFlash), hep-ex/0001020: correlated Gaussian
  (ln T, ln alpha) per shower, depth ~ Gamma(alpha, beta), radial core + tail profile in
  Moliere units; the homogeneous-media parametrization applied to the effective medium of each
  layer type (the paper's sampling-structure terms are implemented but off, see
  GFLASH_SAMPLING_*).  Coefficients checked against Geant4's transcription of the paper
  (GVFlashHomoShowerTuning.hh, GFlashSamplingShowerTuning.hh, which cite hep-ex/0001020); the
  paper itself could not be opened offline.  Geant4 has k4 = 0.3585 + 0.0412 ln E for the
  tail radius; some transcriptions of the paper read 0.0421 (a 0.1 % effect on R_T here).
* Sampling fluctuations: each shower is a Poisson(K E / a^2) number of energy spots with
  Gamma(k)-distributed energies of mean a^2 / K, K = 1 + 1/k, so sigma/E = a / sqrt(E) exactly.
* pi+: MIP track until the first inelastic interaction at depth ~ Exp(lambda_pi = 1.2 lambda_I);
  EM fraction with mean 1 - E^-0.18 (Groom, NIM A 572 (2007) 633) deposited as pi0 sub-showers;
  the rest deposited at h/e = 0.65 with the hadronic (lambda_I) term of the Bock et al.
  longitudinal profile (NIM 186 (1981) 533), broad core + halo laterally.
* Readout: 1 % cell intercalibration, 0.1 MIP Gaussian noise, 0.5 MIP zero suppression.

Calibration: every deposit is visible energy on the EM scale, in GeV.  The simulation draws the
EM-scale energy of each spot directly, i.e. the energy sampled in the active layers divided by
the EM sampling fraction of the layer it lies in (thin, thick ECAL and HCAL layers each have their
own factor), so that an electron's ECAL + HCAL sum is ~E minus leakage and zero suppression.  A
minimum-ionizing track then shows its full energy loss in the layer (e/mip = 1), and hadronic
energy shows h/e = 0.65 of itself.

Geometry: the ECAL window is 25 x 25 cells of 5.1 mm and the HCAL window 11 x 11 cells of 30 mm,
both centred on the same point: the centre of the ECAL cell hit by the particle.  The particle
enters at normal incidence at a uniformly random point of that central ECAL cell (+-2.55 mm in x
and y; RANDOM_IMPACT_OFFSET), so showers are not all centred on a cell centre.  z = 0 is the ECAL
front face; the HCAL follows the ECAL without a gap.  Arrays are [event, layer, x, y].

Determinism: one np.random.Generator from the seed; the same (particle, seed, n, e_min, e_max)
gives bit-identical arrays.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

# =============================================================================================
# Public constants: particles, energy range, geometry (the one place for them)
# =============================================================================================
PARTICLES = ("e-", "gamma", "pi0", "pi+")
E_MIN_SUPPORTED, E_MAX_SUPPORTED = 1.0, 500.0  # GeV

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
PI0_DECAY_DISTANCE_MM = 1500.0  # pi0 -> gamma gamma this far in front of the ECAL
PI0_MASS_GEV = 0.1349768  # PDG

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
LAMBDA_PI_OVER_LAMBDA_I = 1.2  # pion interaction length ~ 1.2 nuclear interaction lengths
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

_LAYER_SECTION = np.array([0] * ECAL_N_THIN + [1] * ECAL_N_THICK + [2] * HCAL_N_LAYERS)


def _layer_table(key):
    return np.array([SECTION_PROPS[s][key] for s in _LAYER_SECTION])


LAYER_THICKNESS_MM = _layer_table("thickness")
LAYER_X0 = LAYER_THICKNESS_MM / _layer_table("X0")  # thickness in radiation lengths
LAYER_LAMBDA = LAYER_THICKNESS_MM / _layer_table("lam")  # thickness in interaction lengths
LAYER_RM_MM = _layer_table("RM")
LAYER_LAMBDA_MM = _layer_table("lam")
LAYER_MIP_GEV = _layer_table("mip")  # EM-scale signal of one MIP crossing the layer (e/mip = 1)
Z_BOUNDS_MM = np.concatenate([[0.0], np.cumsum(LAYER_THICKNESS_MM)])
X0_BOUNDS = np.concatenate([[0.0], np.cumsum(LAYER_X0)])
LAMBDA_BOUNDS = np.concatenate([[0.0], np.cumsum(LAYER_LAMBDA)])
_Z_MID_MM = 0.5 * (Z_BOUNDS_MM[:-1] + Z_BOUNDS_MM[1:])

# =============================================================================================
# Physics parameters
# =============================================================================================
# Stochastic (sampling) terms a, sigma/E = a/sqrt(E):
A_ECAL = 0.17        # Si-W ECAL (note; CALICE Si-W measures 16.5 %)
A_HCAL_EM = 0.24     # EM showers in the Fe-scintillator HCAL (CALICE AHCAL ~22 %, Wigmans'
#                      rule 2.7 % sqrt(d/f_samp) gives 28 % for 3 mm scintillator / 20 mm Fe)
A_HADRONIC = 0.40    # hadronic (non-EM) part: sampling + intrinsic (binding-energy) fluctuations
SPOT_GAMMA_SHAPE = 1.0  # spot energies ~ Gamma(k); k = 1 (exponential) -> K = 2
_SPOT_K = 1.0 + 1.0 / SPOT_GAMMA_SHAPE

# GFlash variant.  The showers use the paper's HOMOGENEOUS-media parametrization evaluated
# with the effective medium of each layer type (Z_eff, E_c,eff, R_M,eff above): the note's
# model.  The paper's extra sampling-structure terms (in F_S = X0_eff/d and e_hat) are
# implemented below but switched off: fitted on LAr/scintillator calorimeters, for this Si-W
# stack (F_S = 1.44 / 0.72, e_hat = 0.70) they move T by -0.6 X0 (-0.8 X0 in the thick part)
# and lower alpha by 0.33, which doubles the energy of an electron in ECAL layers 0-1 (110 MeV
# instead of the 66-69 MeV of the validation target) and makes photons narrower than the
# target gamma/pi0 separation implies.  Both switches are module constants for studies.
GFLASH_SAMPLING_LONGITUDINAL = False
GFLASH_SAMPLING_RADIAL = False
# GFlash clamps (the note): tau <= 4 in the radial parameters, r <= 8 R_M, alpha >= 1.3;
# T >= 1 X0 as in Geant4's GFlash; sigma(ln T), sigma(ln alpha) <= 0.5 as in Geant4
TAU_MAX, R_MAX_RM, ALPHA_MIN, T_MIN_X0, SIGMA_LN_MAX = 4.0, 8.0, 1.3, 1.0, 0.5

E_CONVERSION_X0 = 9.0 / 7.0  # photon conversion mean free path in X0
ELECTRON_MIP_X0 = 2.0        # e-: MIP over the first 2 X0; gamma: 2 MIPs over 2 X0 after conversion
MIP_LANDAU_WIDTH = np.where(_LAYER_SECTION < 2, 0.08, 0.15)  # Moyal scale / mean (Si, scintillator)

# pi+ (charged pion)
H_OVER_E = 0.65                 # non-compensation of the hadronic part
EM_FRACTION_EXPONENT = -0.18    # Groom's power law <f_em> = 1 - (E/E0)^(m-1), E0 = 1 GeV,
#                                 m - 1 = -0.18 (the note's value; Groom: m ~ 0.8-0.85 for pi)
EM_FRACTION_MIN = 0.05          # floor of <f_em> near 1 GeV where the formula goes to 0
EM_FRACTION_SIGMA = 0.15        # event-to-event spread of f_em (Beta distribution)
N_PI0_SUBSHOWERS = 3            # EM fraction split (Dirichlet(1,1,1)) into this many pi0s
SUBSHOWER_DELAY_LAMBDA = 0.3    # later pi0s start Exp(0.3 lambda_I) deeper (later generations)
SUBSHOWER_MEAN_PT_GEV = 0.35    # transverse momentum of the pi0s (Rayleigh), sets their angles
SUBSHOWER_MAX_SLOPE = 0.5
# Bock, Hansl-Kozanecka, Shah, NIM 186 (1981) 533 (form as in Kulchitsky & Vinogradov,
# hep-ex/9903019 eq. 1; the parameter values are the widely quoted original fit, which could
# not be re-read offline):
#   dE/ds = k [w (s/X0)^(a-1) e^(-b s/X0) + (1-w) (s/lambda)^(a-1) e^(-d s/lambda)],
#   a = 0.6165 + 0.3183 ln E, b = 0.2198, d = 0.9099 - 0.0237 ln E, w = 0.4634, E in GeV.
# The X0 term is the prompt EM part (here the explicit pi0 sub-showers, which carry a similar
# fraction: 36 % at 10 GeV in Fe from the Bock weights vs <f_em> = 34 %); the non-EM part
# follows the lambda term: s ~ Gamma(a, 1/d) lambda_I from the interaction point.
BOCK_A0, BOCK_A1, BOCK_D0, BOCK_D1 = 0.6165, 0.3183, 0.9099, -0.0237
# Lateral hadronic profile: 2D exponential (r ~ Gamma(2, R)) core + halo, R in lambda_I of the
# layer the energy lands in (core 0.07 lambda, halo 0.25 lambda, 65 % core).
HAD_CORE_R_LAMBDA, HAD_HALO_R_LAMBDA, HAD_CORE_FRACTION = 0.07, 0.25, 0.65
HAD_R_MAX_LAMBDA = 3.0

# Readout
INTERCALIBRATION = 0.01      # relative, per cell
NOISE_MIP = 0.1              # Gaussian noise sigma, in MIPs of the layer
ZERO_SUPPRESSION_MIP = 0.5   # cells below this many MIPs are set to 0

_ECAL_CELLS_PER_EVENT = ECAL_N_LAYERS * ECAL_N_CELLS ** 2      # 15625
_HCAL_CELLS_PER_EVENT = HCAL_N_LAYERS * HCAL_N_CELLS ** 2      # 7260
_CELLS_PER_EVENT = _ECAL_CELLS_PER_EVENT + _HCAL_CELLS_PER_EVENT
_CELL_MIP_GEV = np.concatenate([np.repeat(LAYER_MIP_GEV[:ECAL_N_LAYERS], ECAL_N_CELLS ** 2),
                                np.repeat(LAYER_MIP_GEV[ECAL_N_LAYERS:], HCAL_N_CELLS ** 2)])
_MAX_CHUNK_EVENTS = 128
_CHUNK_ENERGY_GEV = 6000.0  # bounds the number of spots held in memory at once


# =============================================================================================
# Helpers
# =============================================================================================
def _moyal(rng, size):
    """Standard Moyal variates (a Landau approximation): -ln(Z^2), Z ~ N(0, 1); mean 1.2704."""
    z2 = np.square(rng.standard_normal(size))
    return -np.log(np.maximum(z2, 1e-12))


_MOYAL_MEAN = 0.5772156649015329 + math.log(2.0)


def _layer_of(coord, bounds):
    """Layer index of a depth coordinate (0..N_LAYERS-1); N_LAYERS means behind the detector."""
    return np.searchsorted(bounds, coord, side="right") - 1


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


class _Deposits:
    """Collects (flat cell index, energy) pairs of one chunk of events."""

    def __init__(self):
        self.idx, self.e = [], []

    def add(self, ev, layer, x, y, e):
        flat, ok = _spots_to_cells(ev, layer, x, y)
        ok &= e > 0
        self.idx.append(flat[ok])
        self.e.append(e[ok])

    def dense(self, n_events):
        if not self.idx:
            return np.zeros(n_events * _CELLS_PER_EVENT)
        return np.bincount(np.concatenate(self.idx), weights=np.concatenate(self.e),
                           minlength=n_events * _CELLS_PER_EVENT)


def _track_fractions(c_from, c_to, bounds):
    """(m, N_LAYERS) fraction of each layer's thickness crossed between two depth coordinates."""
    lo, hi = bounds[:-1], bounds[1:]
    seg = np.minimum(c_to[:, None], hi) - np.maximum(c_from[:, None], lo)
    return np.clip(seg / (hi - lo), 0.0, 1.0)


def _mip_tracks(rng, dep, ev, x_ref, y_ref, z_ref, sx, sy, frac, e_max=None):
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
        dz = _Z_MID_MM[l_idx] - z_ref[t_idx]
        dep.add(ev[t_idx], l_idx, x_ref[t_idx] + sx[t_idx] * dz, y_ref[t_idx] + sy[t_idx] * dz,
                mean * np.maximum(fluct, 0.0))
    return loss.sum(axis=1)


def _n_spots(rng, energy, a):
    """Poisson(K E / a^2) spots of mean energy a^2 / K: keeps sigma/E = a / sqrt(E)."""
    return rng.poisson(_SPOT_K * np.maximum(energy, 0.0) / np.square(a))


def _spot_energies(rng, a_per_spot):
    e = rng.standard_exponential(a_per_spot.size) if SPOT_GAMMA_SHAPE == 1.0 else \
        rng.standard_gamma(SPOT_GAMMA_SHAPE, a_per_spot.size) / SPOT_GAMMA_SHAPE
    return e * (np.square(a_per_spot) / _SPOT_K)


def _truncated_lorentz_radius(rng, radius, r_max):
    """r with density 2 r R^2 / (r^2 + R^2)^2 (CDF r^2/(r^2+R^2)), truncated at r_max."""
    u = rng.random(radius.size) * (r_max ** 2 / (r_max ** 2 + np.square(radius)))
    return radius * np.sqrt(u / (1.0 - u))


_SEC_Z = np.array([p["Z"] for p in SECTION_PROPS])
_SEC_EC_GEV = np.array([p["Ec"] for p in SECTION_PROPS]) * 1e-3
_SEC_FS = np.array([p["Fs"] for p in SECTION_PROPS])
_SEC_EHAT = np.array([p["ehat"] for p in SECTION_PROPS])
_SEC_A = np.array([A_ECAL, A_ECAL, A_HCAL_EM])


def _em_shower(rng, dep, ev, energy, t_start, x_ref, y_ref, z_ref, sx, sy):
    """GFlash EM showers (hep-ex/0001020), fluctuated individual profiles.

    energy: EM-scale visible energy (GeV); t_start: depth coordinate (X0) of the shower start;
    the shower axis passes through (x_ref, y_ref) at depth z_ref (mm) with slopes (sx, sy).
    Material parameters (Z_eff, E_c, F_S, e_hat) and the stochastic term are those of the
    section (thin ECAL / thick ECAL / HCAL) in which the shower starts.
    """
    start_layer = _layer_of(t_start, X0_BOUNDS)
    keep = (start_layer < N_LAYERS) & (energy > 0)
    if not keep.any():
        return
    ev, energy, t_start, x_ref, y_ref, z_ref, sx, sy, start_layer = (
        a[keep] for a in (ev, energy, t_start, x_ref, y_ref, z_ref, sx, sy, start_layer))
    sec = _LAYER_SECTION[start_layer]
    zeff, fs, ehat = _SEC_Z[sec], _SEC_FS[sec], _SEC_EHAT[sec]
    m = energy.size

    # --- longitudinal: per-shower correlated (ln T, ln alpha) ------------------------------
    ln_y = np.log(np.maximum(energy / _SEC_EC_GEV[sec], 1.0 + 1e-9))
    # homogeneous media, individual (fluctuated) profiles: <ln T> = ln(ln y - 0.812),
    # <ln alpha> = ln(0.81 + (0.458 + 2.26/Z) ln y), sigma(ln T) = 1/(-1.4 + 1.26 ln y),
    # sigma(ln alpha) = 1/(-0.58 + 0.86 ln y), rho(ln T, ln alpha) = 0.705 - 0.023 ln y
    t_hom = np.maximum(ln_y - 0.812, 0.1)
    alpha_hom = np.maximum(0.81 + (0.458 + 2.26 / zeff) * ln_y, 0.1)
    # sampling-structure terms (off by default): <ln T> = ln(T_hom - 0.55/F_S - 0.69 (1 - e_hat)),
    # <ln alpha> = ln(alpha_hom - 0.476/F_S); sigma(ln T) = 1/(-2.5 + 1.25 ln y),
    # sigma(ln alpha) = 1/(-0.82 + 0.79 ln y), rho(ln T, ln alpha) = 0.784 - 0.023 ln y
    if GFLASH_SAMPLING_LONGITUDINAL:
        mean_ln_t = np.log(np.maximum(t_hom - 0.55 / fs - 0.69 * (1.0 - ehat), T_MIN_X0))
        mean_ln_a = np.log(np.maximum(alpha_hom - 0.476 / fs, ALPHA_MIN))
        sig_ln_t = 1.0 / np.maximum(-2.5 + 1.25 * ln_y, 1.0 / SIGMA_LN_MAX)
        sig_ln_a = 1.0 / np.maximum(-0.82 + 0.79 * ln_y, 1.0 / SIGMA_LN_MAX)
        rho = np.clip(0.784 - 0.023 * ln_y, -1.0, 1.0)
    else:
        mean_ln_t = np.log(np.maximum(t_hom, T_MIN_X0))
        mean_ln_a = np.log(np.maximum(alpha_hom, ALPHA_MIN))
        sig_ln_t = 1.0 / np.maximum(-1.4 + 1.26 * ln_y, 1.0 / SIGMA_LN_MAX)
        sig_ln_a = 1.0 / np.maximum(-0.58 + 0.86 * ln_y, 1.0 / SIGMA_LN_MAX)
        rho = np.clip(0.705 - 0.023 * ln_y, -1.0, 1.0)
    g1, g2 = rng.standard_normal((2, m))
    c1, c2 = np.sqrt((1.0 + rho) / 2.0), np.sqrt((1.0 - rho) / 2.0)
    t_max = np.maximum(np.exp(mean_ln_t + sig_ln_t * (c1 * g1 + c2 * g2)), T_MIN_X0)
    alpha = np.maximum(np.exp(mean_ln_a + sig_ln_a * (c1 * g1 - c2 * g2)), ALPHA_MIN)
    beta = (alpha - 1.0) / t_max
    # tau = t / T of the individual shower, rescaled to the average shower (as in Geant4's
    # GFlash): tau = t beta / alpha * <alpha>/(<alpha> - 1)
    mean_a = np.exp(mean_ln_a)
    tau_scale = beta / alpha * mean_a / (mean_a - 1.0)

    # --- spots ------------------------------------------------------------------------------
    a = _SEC_A[sec]
    n = _n_spots(rng, energy, a)
    sh = np.repeat(np.arange(m), n)
    if sh.size == 0:
        return
    depth = rng.standard_gamma(alpha[sh]) / beta[sh]  # X0 from the shower start
    t_glob = t_start[sh] + depth
    layer = _layer_of(t_glob, X0_BOUNDS)
    inside = layer < N_LAYERS  # energy beyond the last layer leaks out of the back
    sh, depth, t_glob, layer = sh[inside], depth[inside], t_glob[inside], layer[inside]
    e_sh = energy[sh]
    e_spot = _spot_energies(rng, a[sh])

    # --- radial profile (Moliere units): core + tail ---------------------------------------
    tau = np.minimum(depth * tau_scale[sh], TAU_MAX)
    zs, fss, ehs = zeff[sh], fs[sh], ehat[sh]
    ln_e = np.log(np.maximum(e_sh, 0.01))
    one_m_eh = 1.0 - ehs
    exp_mtau = np.exp(-tau)
    # homogeneous: R_C = z1 + z2 tau, z1 = 0.0251 + 0.00319 ln E, z2 = 0.1162 - 0.000381 Z
    r_core = 0.0251 + 0.00319 * ln_e + (0.1162 - 0.000381 * zs) * tau
    # R_T = k1 [exp(k3 (tau - k2)) + exp(k4 (tau - k2))], k1 = 0.659 - 0.00309 Z, k2 = 0.645,
    # k3 = -2.59, k4 = 0.3585 + 0.0412 ln E
    k4 = 0.3585 + 0.0412 * ln_e
    r_tail = (0.659 - 0.00309 * zs) * (np.exp(-2.59 * (tau - 0.645)) + np.exp(k4 * (tau - 0.645)))
    # p = p1 exp((p2 - tau)/p3 - exp((p2 - tau)/p3)), p1 = 2.632 - 0.00094 Z,
    # p2 = 0.401 + 0.00187 Z, p3 = 1.313 - 0.0686 ln E
    arg = (0.401 + 0.00187 * zs - tau) / (1.313 - 0.0686 * ln_e)
    p_core = (2.632 - 0.00094 * zs) * np.exp(arg - np.exp(arg))
    # sampling corrections: R_C += -0.0203 (1 - e_hat) + 0.0397/F_S exp(-tau);
    # R_T += -0.14 (1 - e_hat) - 0.495/F_S exp(-tau);
    # p += (1 - e_hat) (0.348 - 0.642/F_S exp(-(tau - 1)^2))
    if GFLASH_SAMPLING_RADIAL:
        r_core += -0.0203 * one_m_eh + 0.0397 / fss * exp_mtau
        r_tail += -0.14 * one_m_eh - 0.495 / fss * exp_mtau
        p_core += one_m_eh * (0.348 - 0.642 / fss * np.exp(-np.square(tau - 1.0)))
    p_core = np.clip(p_core, 0.0, 1.0)
    radius = np.where(rng.random(sh.size) < p_core, np.maximum(r_core, 1e-3),
                      np.maximum(r_tail, 1e-3))
    r_mm = _truncated_lorentz_radius(rng, radius, R_MAX_RM) * LAYER_RM_MM[layer]
    phi = rng.random(sh.size) * (2.0 * np.pi)
    z = np.interp(t_glob, X0_BOUNDS, Z_BOUNDS_MM)
    dz = z - z_ref[sh]
    x = x_ref[sh] + sx[sh] * dz + r_mm * np.cos(phi)
    y = y_ref[sh] + sy[sh] * dz + r_mm * np.sin(phi)
    dep.add(ev[sh], layer, x, y, e_spot)


def _photons(rng, dep, ev, energy, t_origin, x_ref, y_ref, z_ref, sx, sy):
    """Photons: conversion after Exp(9/7 X0), two MIP tracks over the next 2 X0, EM shower."""
    t_conv = t_origin + rng.exponential(E_CONVERSION_X0, energy.size)
    frac = _track_fractions(t_conv, t_conv + ELECTRON_MIP_X0, X0_BOUNDS)
    e_pair = 0.5 * energy
    lost = _mip_tracks(rng, dep, ev, x_ref, y_ref, z_ref, sx, sy, frac, e_max=e_pair)
    lost += _mip_tracks(rng, dep, ev, x_ref, y_ref, z_ref, sx, sy, frac, e_max=e_pair)
    _em_shower(rng, dep, ev, energy - lost, t_conv, x_ref, y_ref, z_ref, sx, sy)


def _two_body_pi0(rng, energy):
    """pi0 -> gamma gamma in the lab: E1 = z E, z = (1 + beta cos theta*)/2, cos theta* uniform,
    cos theta12 = 1 - m^2 / (2 E1 E2); returns E1, E2 and the polar angles of the photons to the
    pi0 direction (opposite azimuths), from transverse-momentum balance E1 sin th1 = E2 sin th2."""
    beta = np.sqrt(np.maximum(1.0 - (PI0_MASS_GEV / energy) ** 2, 0.0))
    z = 0.5 * (1.0 + beta * rng.uniform(-1.0, 1.0, energy.size))
    e1, e2 = z * energy, (1.0 - z) * energy
    cos12 = np.clip(1.0 - PI0_MASS_GEV ** 2 / (2.0 * np.maximum(e1 * e2, 1e-30)), -1.0, 1.0)
    th12 = np.arccos(cos12)
    th1 = np.arctan2(e2 * np.sin(th12), e1 + e2 * cos12)
    return e1, e2, th1, th12 - th1


def _impact(rng, n):
    if not RANDOM_IMPACT_OFFSET:
        return np.zeros(n), np.zeros(n)
    x, y = rng.uniform(-0.5 * ECAL_CELL_MM, 0.5 * ECAL_CELL_MM, (2, n))
    return x, y


# =============================================================================================
# Particles
# =============================================================================================
def _sim_electron(rng, dep, energy):
    n = energy.size
    ev = np.arange(n)
    x0, y0 = _impact(rng, n)
    zero = np.zeros(n)
    # MIP per layer over the first 2 X0, plus a shower from t = 0 carrying the rest
    frac = _track_fractions(zero, zero + ELECTRON_MIP_X0, X0_BOUNDS)
    lost = _mip_tracks(rng, dep, ev, x0, y0, zero, zero, zero, frac, e_max=energy)
    _em_shower(rng, dep, ev, energy - lost, zero, x0, y0, zero, zero, zero)


def _sim_gamma(rng, dep, energy):
    n = energy.size
    x0, y0 = _impact(rng, n)
    zero = np.zeros(n)
    _photons(rng, dep, np.arange(n), energy, zero, x0, y0, zero, zero, zero)


def _sim_pi0(rng, dep, energy):
    """pi0 along the window axis, decaying 1.5 m in front of the ECAL."""
    n = energy.size
    x0, y0 = _impact(rng, n)
    e1, e2, th1, th2 = _two_body_pi0(rng, energy)
    phi = rng.random(n) * (2.0 * np.pi)
    c, s = np.cos(phi), np.sin(phi)
    # photons leaving the acceptance (th >= 1 rad: more than 2 m off axis) are dropped
    t1 = np.where(th1 < 1.0, np.tan(th1), 0.0)
    t2 = np.where(th2 < 1.0, np.tan(th2), 0.0)
    e1, e2 = np.where(th1 < 1.0, e1, 0.0), np.where(th2 < 1.0, e2, 0.0)
    ev = np.concatenate([np.arange(n)] * 2)
    sx = np.concatenate([t1 * c, -t2 * c])
    sy = np.concatenate([t1 * s, -t2 * s])
    zf = np.zeros(2 * n)
    # the axis of each photon crosses the ECAL face (z = 0) at impact + L tan(theta)
    xr = np.concatenate([x0, x0]) + sx * PI0_DECAY_DISTANCE_MM
    yr = np.concatenate([y0, y0]) + sy * PI0_DECAY_DISTANCE_MM
    _photons(rng, dep, ev, np.concatenate([e1, e2]), zf, xr, yr, zf, sx, sy)


def _sim_pion(rng, dep, energy):
    n = energy.size
    ev = np.arange(n)
    x0, y0 = _impact(rng, n)
    zero = np.zeros(n)
    lam_total = LAMBDA_BOUNDS[-1]
    # first inelastic interaction, in lambda_I units
    s_int = rng.exponential(LAMBDA_PI_OVER_LAMBDA_I, n)
    frac = _track_fractions(zero, np.minimum(s_int, lam_total), LAMBDA_BOUNDS)
    lost = _mip_tracks(rng, dep, ev, x0, y0, zero, zero, zero, frac, e_max=energy)
    e_avail = np.maximum(energy - lost, 0.0)
    interacts = (s_int < lam_total) & (e_avail > 0)
    ev, e_avail, s_int, x0, y0 = (a[interacts] for a in (ev, e_avail, s_int, x0, y0))
    m = ev.size
    if m == 0:
        return

    # EM fraction: Beta distribution, mean 1 - E^-0.18 (Groom), sd EM_FRACTION_SIGMA
    mu = np.clip(1.0 - np.maximum(e_avail, 1.0) ** EM_FRACTION_EXPONENT, EM_FRACTION_MIN, 0.95)
    var = np.minimum(EM_FRACTION_SIGMA ** 2, 0.8 * mu * (1.0 - mu))
    nu = mu * (1.0 - mu) / var - 1.0
    f_em = rng.beta(mu * nu, (1.0 - mu) * nu)

    # --- EM part: pi0 sub-showers ------------------------------------------------------------
    k = N_PI0_SUBSHOWERS
    shares = rng.dirichlet(np.ones(k), m)  # (m, k)
    e_pi0 = (f_em * e_avail)[:, None] * shares
    delay = rng.exponential(SUBSHOWER_DELAY_LAMBDA, (m, k))
    delay[:, 0] = 0.0  # the leading pi0 comes from the first interaction
    s_origin = s_int[:, None] + delay
    e_pi0, s_origin = e_pi0.ravel(), s_origin.ravel()
    ev_pi0 = np.repeat(ev, k)
    t_origin = np.interp(s_origin, LAMBDA_BOUNDS, X0_BOUNDS)
    z_origin = np.interp(s_origin, LAMBDA_BOUNDS, Z_BOUNDS_MM)
    beyond = s_origin >= lam_total
    e_pi0 = np.where(beyond, 0.0, e_pi0)
    t_origin = np.where(beyond, X0_BOUNDS[-1] + 1.0, t_origin)
    # pi0 direction from its transverse momentum (Rayleigh, mean SUBSHOWER_MEAN_PT_GEV)
    pt = rng.rayleigh(SUBSHOWER_MEAN_PT_GEV / math.sqrt(math.pi / 2.0), e_pi0.size)
    slope = np.minimum(pt / np.maximum(e_pi0, 1e-3), SUBSHOWER_MAX_SLOPE)
    phi = rng.random(e_pi0.size) * (2.0 * np.pi)
    sx0, sy0 = slope * np.cos(phi), slope * np.sin(phi)
    # decay at the origin: photon slopes = pi0 slope + decay angles (small-angle addition)
    # (a share below the pi0 mass, possible for tiny EM fractions, keeps its energy: the
    # kinematics are those of a pi0 at rest-mass threshold + epsilon, energies rescaled)
    e_kin = np.maximum(e_pi0, 1.001 * PI0_MASS_GEV)
    e1, e2, th1, th2 = _two_body_pi0(rng, e_kin)
    e1, e2 = e1 * (e_pi0 / e_kin), e2 * (e_pi0 / e_kin)
    psi = rng.random(e_pi0.size) * (2.0 * np.pi)
    c, s = np.cos(psi), np.sin(psi)
    t1, t2 = np.tan(np.minimum(th1, 1.0)), np.tan(np.minimum(th2, 1.0))
    sx = np.concatenate([sx0 + t1 * c, sx0 - t2 * c])
    sy = np.concatenate([sy0 + t1 * s, sy0 - t2 * s])
    xr = np.repeat(x0, k)
    yr = np.repeat(y0, k)
    _photons(rng, dep, np.concatenate([ev_pi0] * 2), np.concatenate([e1, e2]),
             np.concatenate([t_origin] * 2), np.concatenate([xr, xr]), np.concatenate([yr, yr]),
             np.concatenate([z_origin] * 2), sx, sy)

    # --- hadronic part: Bock lambda term, h/e = 0.65, core + halo -----------------------------
    e_vis = H_OVER_E * (1.0 - f_em) * e_avail
    a_had = np.full(m, A_HADRONIC)
    nsp = _n_spots(rng, e_vis, a_had)
    sh = np.repeat(np.arange(m), nsp)
    if sh.size == 0:
        return
    ln_e = np.log(np.maximum(e_avail, 0.1))
    a_bock = BOCK_A0 + BOCK_A1 * ln_e
    d_bock = BOCK_D0 + BOCK_D1 * ln_e
    s = s_int[sh] + rng.standard_gamma(a_bock[sh]) / d_bock[sh]
    layer = _layer_of(s, LAMBDA_BOUNDS)
    inside = layer < N_LAYERS
    sh, s, layer = sh[inside], s[inside], layer[inside]
    e_spot = _spot_energies(rng, a_had[sh])
    r_lam = np.where(rng.random(sh.size) < HAD_CORE_FRACTION, HAD_CORE_R_LAMBDA, HAD_HALO_R_LAMBDA)
    r = np.minimum(rng.standard_gamma(2.0, sh.size) * r_lam, HAD_R_MAX_LAMBDA)
    r_mm = r * LAYER_LAMBDA_MM[layer]
    phi = rng.random(sh.size) * (2.0 * np.pi)
    dep.add(ev[sh], layer, x0[sh] + r_mm * np.cos(phi), y0[sh] + r_mm * np.sin(phi), e_spot)


_SIMULATORS = {"e-": _sim_electron, "gamma": _sim_gamma, "pi0": _sim_pi0, "pi+": _sim_pion}


# =============================================================================================
# Readout
# =============================================================================================
_NOISE_TAIL_P = 0.5 * math.erfc(ZERO_SUPPRESSION_MIP / NOISE_MIP / math.sqrt(2.0))


def _gaussian_tail(rng, a, size):
    """Standard normal variates conditioned on X > a (Marsaglia's tail method)."""
    out = np.empty(0)
    while out.size < size:
        x = np.sqrt(a * a - 2.0 * np.log(rng.random(size)))
        out = np.concatenate([out, x[rng.random(size) * x <= a]])
    return out[:size]


def _readout(rng, acc, n_events):
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


# =============================================================================================
# Public API
# =============================================================================================
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
        dep = _Deposits()
        sim(rng, dep, energy[start:stop])
        acc = dep.dense(m)
        _readout(rng, acc, m)
        acc = acc.reshape(m, _CELLS_PER_EVENT)
        ecal[start:stop] = acc[:, :_ECAL_CELLS_PER_EVENT].reshape(
            m, ECAL_N_LAYERS, ECAL_N_CELLS, ECAL_N_CELLS)
        hcal[start:stop] = acc[:, _ECAL_CELLS_PER_EVENT:].reshape(
            m, HCAL_N_LAYERS, HCAL_N_CELLS, HCAL_N_CELLS)
        start = stop
    return {"energy": energy, "ecal": ecal, "hcal": hcal}


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
