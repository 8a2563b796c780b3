"""Single-variable particle-ID discriminants of the calorimeter data, the CNN's bar to beat.

Pairs are (signal, background); each uses the variable that separates them best
physically (shared/notes/physics-data.md): energy in the first two ECAL layers
for e/gamma (the electron ionizes from the front face, the photon converts
later), the transverse shower width for gamma/pi0 (two photons vs one; they
merge at high energy), the ECAL energy fraction for e or gamma vs pi+.

Part of the bottom `physics` layer: imports only numpy.
"""

import numpy as np

PAIRS = (("e-", "gamma"), ("gamma", "pi0"), ("e-", "pi+"), ("gamma", "pi+"))
ENERGY_BINS_GEV = (10, 20, 40, 70, 100)  # gamma/pi0 separation is reported per bin: it falls with energy
# pair -> (feature, sign): score = sign * feature is higher for the signal
VARIABLE = {("e-", "gamma"): ("e_first_layers", +1), ("gamma", "pi0"): ("width", -1),
            ("e-", "pi+"): ("ecal_fraction", +1), ("gamma", "pi+"): ("ecal_fraction", +1)}


def baseline_scores(features) -> dict:
    """{"<signal>/<background>: <variable>": ((signal, background), score)}."""
    out = {}
    for pair in PAIRS:
        var, sign = VARIABLE[pair]
        out[f"{pair[0]}/{pair[1]}: {var}"] = (pair, sign * np.asarray(features[var], np.float64))
    return out
