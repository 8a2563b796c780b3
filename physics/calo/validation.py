"""Validation of the shower simulation against the numbers a correct one reproduces.

Part of the bottom `physics` layer: imports only numpy and other `physics` modules.

Targets are from shared/notes/physics-data.md (CLIC/LCD-like Si-W ECAL and
Fe-scintillator HCAL). Each row: quantity, target, measured. Runs fixed-energy
samples (E +- 0.1%) of `n` events per point; deterministic from `seed`.
"""

import numpy as np

from physics import calo
from physics.metrics import auc

EM_STOCHASTIC = 0.17  # sigma/E = 17% / sqrt(E): the Si-W ECAL target


def _fixed(particle, energy, seed, n):
    sim = calo.simulate(particle, seed, n, energy * 0.999, energy * 1.001)
    return sim["energy"], calo.shower_features(sim["ecal"], sim["hcal"])


def _auc(sig, bkg):
    return auc(np.r_[sig, bkg], np.r_[np.ones(len(sig), bool), np.zeros(len(bkg), bool)])


def validate(n: int, seed: int = 1) -> list[dict]:
    rows = []

    def row(quantity, target, measured, fmt="{:.3f}"):
        rows.append({"quantity": quantity, "target": target, "measured": float(measured),
                     "measured_text": fmt.format(measured)})

    depth = {}
    for i, e in enumerate((10, 50, 100)):
        true, f = _fixed("e-", e, seed + i, n)
        r = f["e_total"] / true
        row(f"e- resolution sigma/E at {e} GeV", f"{EM_STOCHASTIC / np.sqrt(e):.3f} (17%/sqrt(E))", r.std() / r.mean())
        row(f"e- response at {e} GeV", "0.98-0.99", r.mean())
        depth[e] = f["shower_max_layer"].mean()
    slope = np.polyfit(np.log(list(depth)), list(depth.values()), 1)[0]
    row("e- shower depth (mean ECAL layer) vs ln E: slope, layers per e-fold", "> 0, ~ln E growth", slope, "{:.2f}")
    for i, e in enumerate((10, 50, 100)):
        true, f = _fixed("pi+", e, seed + 10 + i, n)
        r = f["e_total"] / true
        row(f"pi+ response at {e} GeV", "0.75-0.80", r.mean())
        row(f"pi+ resolution sigma/E at {e} GeV", {10: "0.14", 50: "0.09", 100: "0.09"}[e], r.std() / r.mean())
        row(f"pi+ ECAL energy fraction at {e} GeV", "0.16-0.21", f["ecal_fraction"].mean())
    feats = {p: calo.shower_features(*(lambda s: (s["ecal"], s["hcal"]))(calo.simulate(p, seed + 20 + k, 2 * n)))
             for k, p in enumerate(("e-", "gamma", "pi+"))}
    row("energy in ECAL layers 0-1, e- (MeV)", "66-69", 1e3 * feats["e-"]["e_first_layers"].mean(), "{:.1f}")
    row("energy in ECAL layers 0-1, gamma (MeV)", "18-21", 1e3 * feats["gamma"]["e_first_layers"].mean(), "{:.1f}")
    row("e-/gamma AUC on ECAL layers 0-1 energy", "0.81-0.83",
        _auc(feats["e-"]["e_first_layers"], feats["gamma"]["e_first_layers"]))
    row("gamma/pi+ AUC on ECAL fraction", "1.00", _auc(feats["gamma"]["ecal_fraction"], feats["pi+"]["ecal_fraction"]))
    for i, (e, target) in enumerate(((10, "0.94"), (50, "0.83"), (100, "0.63"))):
        _, g = _fixed("gamma", e, seed + 30 + i, n)
        _, p = _fixed("pi0", e, seed + 40 + i, n)
        row(f"gamma/pi0 AUC on shower width at {e} GeV", target, _auc(-g["width"], -p["width"]))
    return rows
