"""Data stage: same seed -> same HDF5 bytes, whatever the number of worker processes."""

import hashlib
from dataclasses import replace

import h5py
import numpy as np
import pytest
import yaml

from l1cnn import config
from l1cnn.dataset import data_path
from l1cnn.stages import data
from tests.helpers import TEST_CONFIGS

pytestmark = pytest.mark.integration


@pytest.fixture
def small_cfg():
    cfg = yaml.safe_load((TEST_CONFIGS / "tiny_jet.yaml").read_text())
    cfg["dataset"].update(n_per_class=24, chunk_size=10)
    return config.validate(cfg, "small")


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes_any_worker_count(small_cfg, tmp_path, monkeypatch):
    files = []
    for i, workers in enumerate((1, 2)):
        monkeypatch.setenv("L1CNN_HOME", str(tmp_path / str(i)))
        data.run(small_cfg, workers=workers)
        files.append(data_path(small_cfg))
    assert files[0] != files[1] and _sha(files[0]) == _sha(files[1])

    with h5py.File(data_path(small_cfg)) as f:
        labels, split = f["label"][:], f["split"][:]
        assert f["image_l1"].shape == (48, 18, 18) and f["image_reference"].shape == (48, 40, 40)
        assert f["image_l1"].chunks[0] == 10  # written in chunks of chunk_size
    assert np.bincount(labels).tolist() == [24, 24]
    for c in (0, 1):  # stratified split: 50/20/30% of each class
        assert np.bincount(split[labels == c], minlength=3).tolist() == [12, 5, 7]

    other = replace(small_cfg, dataset=replace(small_cfg.dataset, seed=small_cfg.dataset.seed + 1))
    monkeypatch.setenv("L1CNN_HOME", str(tmp_path / "2"))
    data.run(other, workers=2)
    assert data_path(other) != data_path(small_cfg)
    with h5py.File(data_path(other)) as f, h5py.File(files[1]) as g:
        assert not np.array_equal(f["mass"][:], g["mass"][:])


def test_chunk_seeds_are_distinct_and_in_pythia_range():
    seeds = {data.chunk_seed(20261121, c, k) for c in range(4) for k in range(500)}
    assert len(seeds) == 2000
    assert min(seeds) >= 1 and max(seeds) <= 900_000_000
