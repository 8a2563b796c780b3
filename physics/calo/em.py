"""Electromagnetic showers: GFlash EM showers, photons (conversion), the pi0 -> gamma gamma decay,
and the e-, gamma and pi0 single-particle simulators.

Part of the bottom `physics` layer: imports only numpy, the standard library and other
`physics.calo` modules.

EM showers follow Grindhammer & Peters (GFlash), hep-ex/0001020: correlated Gaussian
(ln T, ln alpha) per shower, depth ~ Gamma(alpha, beta), radial core + tail profile in Moliere
units; the homogeneous-media parametrization applied to the effective medium of each layer type
(the paper's sampling-structure terms are implemented but off, see GFLASH_SAMPLING_*).
Coefficients checked against Geant4's transcription of the paper (GVFlashHomoShowerTuning.hh,
GFlashSamplingShowerTuning.hh, which cite hep-ex/0001020); the paper itself could not be opened
offline.  Geant4 has k4 = 0.3585 + 0.0412 ln E for the tail radius; some transcriptions of the
paper read 0.0421 (a 0.1 % effect on R_T here).

The module constants below are read at call time from this module: a study that flips a switch
must set it here (physics.calo.em.GFLASH_SAMPLING_RADIAL = True), not on the package.
"""
from __future__ import annotations

import numpy as np

from physics.calo.deposition import mip_tracks, n_spots, spot_energies
from physics.calo.detector import (
    LAYER_RM_MM, LAYER_SECTION, N_LAYERS, SECTION_PROPS, X0_BOUNDS, Z_BOUNDS_MM, impact, layer_of,
    track_fractions,
)

PI0_DECAY_DISTANCE_MM = 1500.0  # pi0 -> gamma gamma this far in front of the ECAL
PI0_MASS_GEV = 0.1349768  # PDG

# Stochastic (sampling) terms a of EM showers, sigma/E = a/sqrt(E):
A_ECAL = 0.17        # Si-W ECAL (note; CALICE Si-W measures 16.5 %)
A_HCAL_EM = 0.24     # EM showers in the Fe-scintillator HCAL (CALICE AHCAL ~22 %, Wigmans'
#                      rule 2.7 % sqrt(d/f_samp) gives 28 % for 3 mm scintillator / 20 mm Fe)

# GFlash variant.  The showers use the paper's HOMOGENEOUS-media parametrization evaluated with
# the effective medium of each layer type (Z_eff, E_c,eff, R_M,eff of detector.SECTION_PROPS):
# the note's model.  The paper's extra sampling-structure terms (in F_S = X0_eff/d and e_hat) are
# implemented below but switched off: fitted on LAr/scintillator calorimeters, for this Si-W
# stack (F_S = 1.44 / 0.72, e_hat = 0.70) they move T by -0.6 X0 (-0.8 X0 in the thick part) and
# lower alpha by 0.33, which doubles the energy of an electron in ECAL layers 0-1 (110 MeV
# instead of the 66-69 MeV of the validation target) and makes photons narrower than the target
# gamma/pi0 separation implies.  Both switches are module constants for studies.
GFLASH_SAMPLING_LONGITUDINAL = False
GFLASH_SAMPLING_RADIAL = False
# GFlash clamps (the note): tau <= 4 in the radial parameters, r <= 8 R_M, alpha >= 1.3;
# T >= 1 X0 as in Geant4's GFlash; sigma(ln T), sigma(ln alpha) <= 0.5 as in Geant4
TAU_MAX, R_MAX_RM, ALPHA_MIN, T_MIN_X0, SIGMA_LN_MAX = 4.0, 8.0, 1.3, 1.0, 0.5

E_CONVERSION_X0 = 9.0 / 7.0  # photon conversion mean free path in X0
ELECTRON_MIP_X0 = 2.0        # e-: MIP over the first 2 X0; gamma: 2 MIPs over 2 X0 after conversion


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
    start_layer = layer_of(t_start, X0_BOUNDS)
    keep = (start_layer < N_LAYERS) & (energy > 0)
    if not keep.any():
        return
    ev, energy, t_start, x_ref, y_ref, z_ref, sx, sy, start_layer = (
        a[keep] for a in (ev, energy, t_start, x_ref, y_ref, z_ref, sx, sy, start_layer))
    sec = LAYER_SECTION[start_layer]
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
    n = n_spots(rng, energy, a)
    sh = np.repeat(np.arange(m), n)
    if sh.size == 0:
        return
    depth = rng.standard_gamma(alpha[sh]) / beta[sh]  # X0 from the shower start
    t_glob = t_start[sh] + depth
    layer = layer_of(t_glob, X0_BOUNDS)
    inside = layer < N_LAYERS  # energy beyond the last layer leaks out of the back
    sh, depth, t_glob, layer = sh[inside], depth[inside], t_glob[inside], layer[inside]
    e_sh = energy[sh]
    e_spot = spot_energies(rng, a[sh])

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


def photons(rng, dep, ev, energy, t_origin, x_ref, y_ref, z_ref, sx, sy):
    """Photons: conversion after Exp(9/7 X0), two MIP tracks over the next 2 X0, EM shower."""
    t_conv = t_origin + rng.exponential(E_CONVERSION_X0, energy.size)
    frac = track_fractions(t_conv, t_conv + ELECTRON_MIP_X0, X0_BOUNDS)
    e_pair = 0.5 * energy
    lost = mip_tracks(rng, dep, ev, x_ref, y_ref, z_ref, sx, sy, frac, e_max=e_pair)
    lost += mip_tracks(rng, dep, ev, x_ref, y_ref, z_ref, sx, sy, frac, e_max=e_pair)
    _em_shower(rng, dep, ev, energy - lost, t_conv, x_ref, y_ref, z_ref, sx, sy)


def two_body_pi0(rng, energy):
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


def sim_electron(rng, dep, energy):
    """e- at normal incidence: ionizes from the ECAL face, showers from t = 0."""
    n = energy.size
    ev = np.arange(n)
    x0, y0 = impact(rng, n)
    zero = np.zeros(n)
    # MIP per layer over the first 2 X0, plus a shower from t = 0 carrying the rest
    frac = track_fractions(zero, zero + ELECTRON_MIP_X0, X0_BOUNDS)
    lost = mip_tracks(rng, dep, ev, x0, y0, zero, zero, zero, frac, e_max=energy)
    _em_shower(rng, dep, ev, energy - lost, zero, x0, y0, zero, zero, zero)


def sim_gamma(rng, dep, energy):
    """gamma at normal incidence: no signal until it converts."""
    n = energy.size
    x0, y0 = impact(rng, n)
    zero = np.zeros(n)
    photons(rng, dep, np.arange(n), energy, zero, x0, y0, zero, zero, zero)


def sim_pi0(rng, dep, energy):
    """pi0 along the window axis, decaying 1.5 m in front of the ECAL."""
    n = energy.size
    x0, y0 = impact(rng, n)
    e1, e2, th1, th2 = two_body_pi0(rng, energy)
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
    photons(rng, dep, ev, np.concatenate([e1, e2]), zf, xr, yr, zf, sx, sy)
