"""Boosted top and QCD jets from Pythia 8 + FastJet, as jet images.

Mirrors the public top-tagging reference data set (Kasieczka et al., arXiv:1902.09914):
14 TeV pp, no multi-parton interactions, no pile-up; anti-kt R = 0.8 on the visible final
state; leading jet with 550 < pT < 650 GeV and |eta| < 2; top jets matched to the top and its
three decay quarks within dR < 0.8. Output is a deterministic function of the seed alone
(independent of the batch size). Everything runs vectorized over a batch of events on flat
numpy arrays; the only Python loop is over batches.
"""
from __future__ import annotations

import awkward as ak
import fastjet
import numpy as np
import pythia8mc

from physics.seeds import SEED_MAX, SEED_MIN

# --- physics facts (the one place for them; see arXiv:1902.09914 for the selection) --------
ECM_GEV = 14000.0
JET_R = 0.8
JET_PT_MIN = 550.0
JET_PT_MAX = 650.0
JET_ABS_ETA_MAX = 2.0
# pTHat window: ~12.5% of accepted jets lost (hard ISR), QCD mass shifted by ~ -1 GeV, but 2x
# faster than pTHatMin = 300 (measured, see shared/notes/physics-data.md).
PTHAT_MIN = 400.0
PTHAT_MAX = 800.0
TRUTH_MATCH_DR = 0.8
TOP_MASS_GEV = 175.0  # centre of the |m - 175 GeV| single-variable baseline tagger
PROCESSES = ("top", "qcd")
INVISIBLE_PDG_IDS = (12, 14, 16)  # neutrinos never reach the calorimeter

_PROCESS_SETTINGS = {
    "top": ("Top:gg2ttbar = on", "Top:qqbar2ttbar = on",
            "24:onMode = off", "24:onIfAny = 1 2 3 4 5"),  # fully hadronic ttbar
    "qcd": ("HardQCD:all = on",),
}


def _make_pythia(process: str, seed: int) -> pythia8mc.Pythia:
    pythia = pythia8mc.Pythia("", False)  # False: no banner
    settings = (
        f"Beams:eCM = {ECM_GEV}", "Print:quiet = on", "Next:numberCount = 0",
        "PartonLevel:MPI = off", "Random:setSeed = on", f"Random:seed = {seed}",
        f"PhaseSpace:pTHatMin = {PTHAT_MIN}", f"PhaseSpace:pTHatMax = {PTHAT_MAX}",
    ) + _PROCESS_SETTINGS[process]
    for line in settings:
        if not pythia.readString(line):
            raise RuntimeError(f"Pythia rejected setting {line!r}")
    if not pythia.init():
        raise RuntimeError(f"Pythia initialization failed for process {process!r}")
    return pythia


def _wrap(dphi):
    """Map angles to [-pi, pi)."""
    return (dphi + np.pi) % (2.0 * np.pi) - np.pi


def _pt_eta_phi(px, py, pz):
    pt = np.hypot(px, py)
    return pt, np.arcsinh(pz / pt), np.arctan2(py, px)


def _ranges(starts, counts):
    """Concatenation of arange(s, s + c) for each (s, c), without a Python loop."""
    total = int(counts.sum())
    shift = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return shift + np.arange(total, dtype=np.int64)


def _pixelize_flat(jet, x, y, pt, n_jets, n_pixels, half_width):
    """Sum pt into an (n_jets, n, n) float64 grid; jet[k] is the row of constituent k."""
    # The window test depends on half_width only, so grids of equal width keep the same pT.
    inside = (x >= -half_width) & (x < half_width) & (y >= -half_width) & (y < half_width)
    scale = n_pixels / (2.0 * half_width)
    # minimum(): guards x just below +half_width rounding up to bin n_pixels
    ix = np.minimum(((x[inside] + half_width) * scale).astype(np.int64), n_pixels - 1)
    iy = np.minimum(((y[inside] + half_width) * scale).astype(np.int64), n_pixels - 1)
    flat = (jet[inside].astype(np.int64) * n_pixels + ix) * n_pixels + iy
    img = np.bincount(flat, weights=pt[inside], minlength=n_jets * n_pixels * n_pixels)
    return img.reshape(n_jets, n_pixels, n_pixels)


def pixelize(deta, dphi, pt, n_pixels: int, half_width: float) -> np.ndarray:
    """Pixelize jagged per-jet constituents (awkward arrays or nested lists, jets x var).

    Returns float64 (n_jets, n_pixels, n_pixels) with the summed pt per pixel; the grid spans
    [-half_width, +half_width) in (deta, dphi), image[i, eta_bin, phi_bin]. Constituents
    outside the window are dropped, not clipped into the edge pixels.
    """
    if int(n_pixels) != n_pixels or n_pixels < 1 or not half_width > 0:
        raise ValueError(f"need n_pixels >= 1 and half_width > 0, got {n_pixels}, {half_width}")
    pt = ak.Array(pt)
    counts = ak.to_numpy(ak.num(pt, axis=1))
    flat = [np.asarray(ak.to_numpy(ak.flatten(a, axis=1)), dtype=np.float64)
            for a in (ak.Array(deta), ak.Array(dphi), pt)]
    jet = np.repeat(np.arange(len(counts)), counts)
    return _pixelize_flat(jet, *flat, len(counts), int(n_pixels), float(half_width))


def _preprocess(jet, n_jets, pt, eta, phi, jet_phi):
    """Centre on the pT centroid, rotate the principal axis onto x, flip most pT to x, y > 0."""
    def per_jet(w):
        return np.bincount(jet, weights=w, minlength=n_jets)
    sum_pt = per_jet(pt)
    dphi = _wrap(phi - jet_phi[jet])  # relative to the jet axis: no wrap-around at +-pi left
    x = eta - (per_jet(pt * eta) / sum_pt)[jet]
    y = dphi - (per_jet(pt * dphi) / sum_pt)[jet]
    # major axis of the pT-weighted covariance (standard 2x2 eigenvector angle)
    theta = 0.5 * np.arctan2(2.0 * per_jet(pt * x * y), per_jet(pt * x * x) - per_jet(pt * y * y))
    c, s = np.cos(theta)[jet], np.sin(theta)[jet]
    x, y = c * x + s * y, c * y - s * x
    # the centroid sits at 0, so first moments vanish: compare the pT on each side instead
    sx = np.where(per_jet(pt * (x > 0)) >= per_jet(pt * (x < 0)), 1.0, -1.0)
    sy = np.where(per_jet(pt * (y > 0)) >= per_jet(pt * (y < 0)), 1.0, -1.0)
    return x * sx[jet], y * sy[jet]


def _top_matched(rows, pid, status, mother1, px, py, pz, offsets, ev_of, jet_eta, jet_phi):
    """True per candidate jet if the top and its 3 decay quarks lie within TRUTH_MATCH_DR.

    rows[event] is the candidate-jet row of an event (-1: none). Decay quarks have
    |status| == 23 and are grouped by the sign of their mother's id (t, W+ > 0; tbar, W- < 0);
    the top is the mother of the quark from the top (the b). dR uses pseudorapidity.
    """
    n_rows = len(jet_eta)
    q = np.flatnonzero((np.abs(status) == 23) & (np.abs(pid) <= 5) & (pid != 0))
    q = q[rows[ev_of[q]] >= 0]
    row = rows[ev_of[q]]
    mom = offsets[ev_of[q]] + mother1[q]  # mother1 indexes the event record (0 = system)

    def near(i, r):
        _, eta, phi = _pt_eta_phi(px[i], py[i], pz[i])
        return np.hypot(eta - jet_eta[r], _wrap(phi - jet_phi[r])) < TRUTH_MATCH_DR

    group = 2 * row + (pid[mom] > 0)
    n_quarks = np.bincount(group, minlength=2 * n_rows)
    n_near = np.bincount(group, weights=near(q, row), minlength=2 * n_rows)
    from_top = np.abs(pid[mom]) == 6
    n_tops = np.bincount(group[from_top], minlength=2 * n_rows)
    top_near = np.bincount(group[from_top], weights=near(mom[from_top], row[from_top]),
                           minlength=2 * n_rows)
    ok = (n_quarks == 3) & (n_near == 3) & (n_tops == 1) & (top_near == 1)
    return ok.reshape(n_rows, 2).any(axis=1)


def _process_batch(evs, is_top, jetdef, grids):
    prt = evs.prt
    n_ev = len(prt)
    counts = ak.to_numpy(ak.num(prt))
    offsets = np.concatenate(([0], np.cumsum(counts)))
    ev_of = np.repeat(np.arange(n_ev), counts)

    def flat(a):
        return ak.to_numpy(ak.flatten(a))
    pid, status, mother1 = flat(prt.id), flat(prt.status), flat(prt.mother1)
    px, py, pz, e = (flat(prt.p[c]) for c in ("px", "py", "pz", "e"))

    # visible final state of the whole batch, clustered in one call
    vis = np.flatnonzero((status > 0) & ~np.isin(np.abs(pid), INVISIBLE_PDG_IDS))
    vis_offsets = np.concatenate(([0], np.cumsum(np.bincount(ev_of[vis], minlength=n_ev))))
    particles = ak.unflatten(
        ak.zip({"px": px[vis], "py": py[vis], "pz": pz[vis], "E": e[vis]}),
        np.diff(vis_offsets))
    cs = fastjet.ClusterSequence(particles, jetdef)
    # min_pt: an event whose leading jet is below JET_PT_MIN is rejected anyway, and skipping
    # the soft jets makes the constituent export ~10x cheaper (same order in both calls)
    jets = cs.inclusive_jets(min_pt=JET_PT_MIN)
    jet_counts = ak.to_numpy(ak.num(jets))
    jet_offsets = np.concatenate(([0], np.cumsum(jet_counts)))
    jpx, jpy, jpz, je = (flat(jets[c]) for c in ("px", "py", "pz", "E"))

    # leading jet by argmax pT: inclusive_jets() is NOT pT ordered
    ev = np.flatnonzero(jet_counts > 0)
    lead_local = ak.argmax(ak.unflatten(np.hypot(jpx, jpy), jet_counts)[ev], axis=1)
    lead_local = ak.to_numpy(ak.fill_none(lead_local, 0))  # no None left; plain ndarray, not masked
    lead = jet_offsets[ev] + lead_local
    pt, eta, phi = _pt_eta_phi(jpx[lead], jpy[lead], jpz[lead])
    keep = (pt > JET_PT_MIN) & (pt < JET_PT_MAX) & (np.abs(eta) < JET_ABS_ETA_MAX)
    if is_top:
        rows = np.full(n_ev, -1)
        rows[ev] = np.arange(len(ev))
        keep &= _top_matched(rows, pid, status, mother1, px, py, pz, offsets, ev_of, eta, phi)
    ev, lead, pt, eta, phi = ev[keep], lead[keep], pt[keep], eta[keep], phi[keep]
    mass = np.sqrt(np.maximum(je[lead] ** 2 - jpx[lead] ** 2 - jpy[lead] ** 2 - jpz[lead] ** 2, 0.0))

    # constituents of the selected jets: local indices into each event's visible particles
    cidx = cs.constituent_index(min_pt=JET_PT_MIN)
    n_cons = ak.to_numpy(ak.flatten(ak.num(cidx, axis=2)))  # per jet, inclusive_jets() order
    cons_offsets = np.concatenate(([0], np.cumsum(n_cons)))
    n_c = n_cons[lead]
    local = ak.to_numpy(ak.flatten(cidx, axis=None))[_ranges(cons_offsets[lead], n_c)]
    jet_row = np.repeat(np.arange(len(ev)), n_c)
    k = vis[vis_offsets[ev[jet_row]] + local]
    c_pt, c_eta, c_phi = _pt_eta_phi(px[k], py[k], pz[k])
    x, y = _preprocess(jet_row, len(ev), c_pt, c_eta, c_phi, phi)

    out = {"mass": mass, "pt": pt, "eta": eta, "phi": phi, "n_constituents": n_c.astype(np.int32)}
    for name, (n, half_width) in grids.items():
        out[f"image_{name}"] = _pixelize_flat(jet_row, x, y, c_pt, len(ev), n, half_width
                                              ).astype(np.float32)
    return out


def generate_jets(process: str, seed: int, n_jets: int, grids: dict[str, tuple[int, float]],
                  batch_events: int = 200) -> dict[str, np.ndarray]:
    """Generate the first n_jets accepted leading jets of `process` ("top" or "qcd").

    Returns numpy arrays of length n_jets: mass, pt, eta, phi (float64), n_constituents
    (int32) and, per grid name g with grid (n, half_width), image_<g>: float32 (n_jets, n, n)
    of summed constituent pT [GeV] after centring, rotation and flipping, indexed
    [jet, eta_bin, phi_bin]. Jets are kept in event order, so the result depends only on the
    seed, not on batch_events.
    """
    if process not in PROCESSES:
        raise ValueError(f"unknown process {process!r}; expected one of {PROCESSES}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not SEED_MIN <= seed <= SEED_MAX:
        raise ValueError(f"seed must be an integer in {SEED_MIN}..{SEED_MAX}, got {seed!r}")
    if isinstance(n_jets, bool) or not isinstance(n_jets, (int, np.integer)) or n_jets < 1:
        raise ValueError(f"n_jets must be an integer >= 1, got {n_jets!r}")
    if isinstance(batch_events, bool) or not isinstance(batch_events, (int, np.integer)) \
            or batch_events < 1:
        raise ValueError(f"batch_events must be an integer >= 1, got {batch_events!r}")
    grids = dict(grids)
    for name, grid in grids.items():
        n, half_width = grid
        if int(n) != n or n < 1 or not half_width > 0:
            raise ValueError(f"grid {name!r} must be (n_pixels >= 1, half_width > 0), got {grid}")
        grids[name] = (int(n), float(half_width))

    pythia = _make_pythia(process, int(seed))
    jetdef = fastjet.JetDefinition(fastjet.antikt_algorithm, JET_R)
    parts, n_done = [], 0
    while n_done < n_jets:
        batch = _process_batch(pythia.nextBatch(int(batch_events)), process == "top", jetdef, grids)
        parts.append(batch)
        n_done += len(batch["pt"])
    return {key: np.concatenate([p[key] for p in parts])[:n_jets] for key in parts[0]}
