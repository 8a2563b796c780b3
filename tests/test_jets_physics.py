"""Physics checks of physics/jets.py on small Pythia samples (targets: shared/notes/physics-data.md)."""
import numpy as np
import pytest

from physics.jets import generate_jets, pixelize

pytestmark = pytest.mark.integration

GRIDS = {"reference": (40, 0.8), "l1": (18, 0.8)}
# One 10 x 10 pixel holding every constituent: its content is the scalar pT sum of the jet.
WIDE = {"wide": (1, 10.0)}
N_JETS = 300
SEEDS = {"top": 1234, "qcd": 5678}


@pytest.fixture(scope="module")
def samples():
    return {p: generate_jets(p, SEEDS[p], N_JETS, {**GRIDS, **WIDE}) for p in ("top", "qcd")}


def _totals(sample, grid):
    return sample[f"image_{grid}"].sum(axis=(1, 2), dtype=np.float64)


def test_shapes_and_dtypes(samples):
    for s in samples.values():
        assert all(type(v) is np.ndarray for v in s.values())  # not masked / awkward
        for key in ("mass", "pt", "eta", "phi"):
            assert s[key].dtype == np.float64 and s[key].shape == (N_JETS,)
        assert s["n_constituents"].dtype == np.int32 and (s["n_constituents"] > 0).all()
        for name, (n, _) in GRIDS.items():
            assert s[f"image_{name}"].dtype == np.float32
            assert s[f"image_{name}"].shape == (N_JETS, n, n)


def test_selection_window(samples):
    for s in samples.values():
        assert ((s["pt"] > 550) & (s["pt"] < 650)).all()
        assert (np.abs(s["eta"]) < 2).all()
        assert (np.abs(s["phi"]) <= np.pi).all()


def test_jet_mass(samples):
    top, qcd = samples["top"]["mass"], samples["qcd"]["mass"]
    assert 165 < np.median(top) < 185
    assert np.mean((top > 140) & (top < 210)) > 0.6
    assert np.median(qcd) < 120
    # top jets have more constituents (74 vs 60 in the notes)
    assert samples["top"]["n_constituents"].mean() > samples["qcd"]["n_constituents"].mean()


def test_images_pt_content(samples):
    for s in samples.values():
        for name in GRIDS:
            assert (s[f"image_{name}"] >= 0).all()
        ref, l1, total = _totals(s, "reference"), _totals(s, "l1"), _totals(s, "wide")
        # Pixels sum constituent pT as scalars, and sum |pT_i| >= |sum pT_i| = jet pT, so the
        # image total is bounded by the scalar sum of all constituents, not by the jet pT.
        assert (ref <= total * (1 + 1e-6)).all()
        assert (total >= s["pt"] * (1 - 1e-6)).all()
        assert np.mean(ref / s["pt"]) > 0.9
        assert (ref > 0.5 * s["pt"]).all()
        # same +-0.8 window: same constituents kept, whatever the pixel size
        np.testing.assert_allclose(l1, ref, rtol=1e-5)


def test_images_preprocessed(samples):
    for s in samples.values():
        for name, (n, half_width) in GRIDS.items():
            img = s[f"image_{name}"].astype(np.float64)
            centres = -half_width + (np.arange(n) + 0.5) * (2 * half_width / n)
            w = img.sum(axis=(1, 2))
            px, py = img.sum(axis=2), img.sum(axis=1)  # pT profile along eta, along phi
            cx, cy = px @ centres / w, py @ centres / w
            # centred on the pT centroid: only dropped constituents move it
            assert np.abs(np.mean(cx)) < 0.02 and np.abs(np.mean(cy)) < 0.02
            assert np.mean(np.hypot(cx, cy) < 0.05) > 0.95
            # rotated: the wider spread lies along eta
            vx, vy = px @ centres**2 / w - cx**2, py @ centres**2 / w - cy**2
            assert np.mean(vx >= vy) > 0.9
            # flipped: most pT at positive coordinates (n even: the upper half is x > 0)
            h = n // 2
            assert np.mean(px[:, h:].sum(1) >= px[:, :h].sum(1)) > 0.95
            assert np.mean(py[:, h:].sum(1) >= py[:, :h].sum(1)) > 0.95


@pytest.mark.parametrize("process", ["top", "qcd"])
def test_determinism(samples, process):
    n = 25
    first = generate_jets(process, SEEDS[process], n, GRIDS)
    again = generate_jets(process, SEEDS[process], n, GRIDS)
    rebatched = generate_jets(process, SEEDS[process], n, GRIDS, batch_events=37)
    for key in first:
        assert np.array_equal(first[key], again[key]), key
        assert np.array_equal(first[key], rebatched[key]), key
        # a longer run starts with the same jets
        assert np.array_equal(first[key], samples[process][key][:n]), key
    other = generate_jets(process, SEEDS[process] + 1, n, GRIDS, batch_events=50)
    assert not np.array_equal(first["mass"], other["mass"])
    assert not np.array_equal(first["image_reference"], other["image_reference"])


def test_pixelize_by_hand():
    deta = [[-0.9, 0.1, 1.0, -1.2], [0.99], []]
    dphi = [[0.6, -0.1, 0.0, 0.0], [-1.0], []]
    pt = [[1.0, 2.0, 4.0, 16.0], [8.0], []]
    img = pixelize(deta, dphi, pt, 4, 1.0)  # bin edges -1, -0.5, 0, 0.5, 1
    expected = np.zeros((3, 4, 4))
    expected[0, 0, 3] = 1.0  # (-0.9, 0.6)
    expected[0, 2, 1] = 2.0  # (0.1, -0.1)
    expected[1, 3, 0] = 8.0  # (0.99, -1.0): the lower edge is inside
    # (1.0, 0.0) and (-1.2, 0.0) are outside [-1, 1): dropped, not clipped
    np.testing.assert_array_equal(img, expected)


@pytest.mark.parametrize("kwargs", [
    dict(process="ttbar"), dict(seed=0), dict(seed=900_000_001), dict(seed=-5),
    dict(n_jets=0), dict(grids={"bad": (0, 0.8)}), dict(grids={"bad": (40, -0.8)}),
    dict(batch_events=0),
])
def test_bad_arguments(kwargs):
    args = dict(process="qcd", seed=1, n_jets=10, grids=GRIDS) | kwargs
    with pytest.raises(ValueError):
        generate_jets(**args)


def test_pixelize_bad_arguments():
    with pytest.raises(ValueError):
        pixelize([[0.0]], [[0.0]], [[1.0]], 0, 0.8)
    with pytest.raises(ValueError):
        pixelize([[0.0]], [[0.0]], [[1.0]], 10, 0.0)
