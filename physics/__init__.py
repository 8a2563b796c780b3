"""Physics data generators: real event generation (jets) and fast shower simulation (calo).

GENERATORS maps a config's `dataset.generator` to a function
`(class_name, seed, n, dataset_cfg) -> dict of numpy arrays` that makes `n`
examples of one class, deterministically from `seed`; `CLASSES` lists the
class names each generator knows.
"""


def _jets_chunk(class_name, seed, n, dataset_cfg):
    from physics.jets import generate_jets

    grids = {g: (v["pixels"], v["half_width"]) for g, v in dataset_cfg["grids"].items()}
    return generate_jets(class_name, seed, n, grids)


GENERATORS = {"jets": _jets_chunk}
CLASSES = {"jets": ("qcd", "top")}


def _jet_baselines(features):
    """Single-variable top taggers the CNN must beat (higher score = more top-like)."""
    import numpy as np

    from physics.jets import TOP_MASS_GEV

    m = np.asarray(features["mass"], np.float64)
    return {"abs_mass_minus_175": -np.abs(m - TOP_MASS_GEV), "jet_mass": m,
            "n_constituents": np.asarray(features["n_constituents"], np.float64)}


BASELINES = {"jets": _jet_baselines}
