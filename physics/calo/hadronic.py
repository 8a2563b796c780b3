"""Hadronic showers: the charged-pion (pi+) single-particle simulator.

Part of the bottom `physics` layer: imports only numpy, the standard library and other
`physics.calo` modules.

A pi+ leaves a MIP track until its first inelastic interaction at depth ~ Exp(lambda_pi =
1.2 lambda_I); the interaction's EM fraction (mean 1 - E^-0.18, Groom, NIM A 572 (2007) 633) is
deposited as pi0 sub-showers (physics.calo.em), the rest at h/e = 0.65 with the hadronic
(lambda_I) term of the Bock et al. longitudinal profile (NIM 186 (1981) 533), broad core + halo
laterally.
"""
from __future__ import annotations

import math

import numpy as np

from physics.calo.deposition import mip_tracks, n_spots, spot_energies
from physics.calo.detector import (
    LAMBDA_BOUNDS, LAYER_LAMBDA_MM, N_LAYERS, X0_BOUNDS, Z_BOUNDS_MM, impact, layer_of,
    track_fractions,
)
from physics.calo.em import PI0_MASS_GEV, photons, two_body_pi0

LAMBDA_PI_OVER_LAMBDA_I = 1.2  # pion interaction length ~ 1.2 nuclear interaction lengths
A_HADRONIC = 0.40    # stochastic term of the hadronic (non-EM) part: sampling + intrinsic
#                      (binding-energy) fluctuations, sigma/E = a/sqrt(E)

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


def sim_pion(rng, dep, energy):
    """pi+ at normal incidence: MIP track, first interaction, pi0 sub-showers + hadronic part."""
    n = energy.size
    ev = np.arange(n)
    x0, y0 = impact(rng, n)
    zero = np.zeros(n)
    lam_total = LAMBDA_BOUNDS[-1]
    # first inelastic interaction, in lambda_I units
    s_int = rng.exponential(LAMBDA_PI_OVER_LAMBDA_I, n)
    frac = track_fractions(zero, np.minimum(s_int, lam_total), LAMBDA_BOUNDS)
    lost = mip_tracks(rng, dep, ev, x0, y0, zero, zero, zero, frac, e_max=energy)
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
    # the EM part is drawn before the hadronic part: the order of the random draws is fixed
    _pi0_subshowers(rng, dep, ev, f_em * e_avail, s_int, x0, y0)
    _hadronic_part(rng, dep, ev, H_OVER_E * (1.0 - f_em) * e_avail, e_avail, s_int, x0, y0)


def _pi0_subshowers(rng, dep, ev, e_em, s_int, x0, y0):
    """The EM part e_em (GeV) of each interacting pion as N_PI0_SUBSHOWERS pi0 sub-showers."""
    m = ev.size
    k = N_PI0_SUBSHOWERS
    shares = rng.dirichlet(np.ones(k), m)  # (m, k)
    e_pi0 = e_em[:, None] * shares
    delay = rng.exponential(SUBSHOWER_DELAY_LAMBDA, (m, k))
    delay[:, 0] = 0.0  # the leading pi0 comes from the first interaction
    s_origin = s_int[:, None] + delay
    e_pi0, s_origin = e_pi0.ravel(), s_origin.ravel()
    ev_pi0 = np.repeat(ev, k)
    t_origin = np.interp(s_origin, LAMBDA_BOUNDS, X0_BOUNDS)
    z_origin = np.interp(s_origin, LAMBDA_BOUNDS, Z_BOUNDS_MM)
    beyond = s_origin >= LAMBDA_BOUNDS[-1]
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
    e1, e2, th1, th2 = two_body_pi0(rng, e_kin)
    e1, e2 = e1 * (e_pi0 / e_kin), e2 * (e_pi0 / e_kin)
    psi = rng.random(e_pi0.size) * (2.0 * np.pi)
    c, s = np.cos(psi), np.sin(psi)
    t1, t2 = np.tan(np.minimum(th1, 1.0)), np.tan(np.minimum(th2, 1.0))
    sx = np.concatenate([sx0 + t1 * c, sx0 - t2 * c])
    sy = np.concatenate([sy0 + t1 * s, sy0 - t2 * s])
    xr = np.repeat(x0, k)
    yr = np.repeat(y0, k)
    photons(rng, dep, np.concatenate([ev_pi0] * 2), np.concatenate([e1, e2]),
            np.concatenate([t_origin] * 2), np.concatenate([xr, xr]), np.concatenate([yr, yr]),
            np.concatenate([z_origin] * 2), sx, sy)


def _hadronic_part(rng, dep, ev, e_vis, e_avail, s_int, x0, y0):
    """The non-EM part, visible energy e_vis (GeV, already h/e-scaled): Bock lambda term
    longitudinally from the interaction point, core + halo laterally; e_avail (GeV, the pion's
    energy at the interaction) sets the Bock parameters."""
    m = ev.size
    a_had = np.full(m, A_HADRONIC)
    nsp = n_spots(rng, e_vis, a_had)
    sh = np.repeat(np.arange(m), nsp)
    if sh.size == 0:
        return
    ln_e = np.log(np.maximum(e_avail, 0.1))
    a_bock = BOCK_A0 + BOCK_A1 * ln_e
    d_bock = BOCK_D0 + BOCK_D1 * ln_e
    s = s_int[sh] + rng.standard_gamma(a_bock[sh]) / d_bock[sh]
    layer = layer_of(s, LAMBDA_BOUNDS)
    inside = layer < N_LAYERS
    sh, s, layer = sh[inside], s[inside], layer[inside]
    e_spot = spot_energies(rng, a_had[sh])
    r_lam = np.where(rng.random(sh.size) < HAD_CORE_FRACTION, HAD_CORE_R_LAMBDA, HAD_HALO_R_LAMBDA)
    r = np.minimum(rng.standard_gamma(2.0, sh.size) * r_lam, HAD_R_MAX_LAMBDA)
    r_mm = r * LAYER_LAMBDA_MM[layer]
    phi = rng.random(sh.size) * (2.0 * np.pi)
    dep.add(ev[sh], layer, x0[sh] + r_mm * np.cos(phi), y0[sh] + r_mm * np.sin(phi), e_spot)
