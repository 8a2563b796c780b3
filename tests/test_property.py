"""Bit exactness as a property: random QKeras CNNs, both io types (CI share; `make sweep` runs 50+)."""

import numpy as np
import pytest

from l1cnn.commands.sweep import check, convertible
from models.random_cnn import draw

pytestmark = pytest.mark.integration


def test_draws_are_deterministic_and_varied():
    a, b = draw(7, n_inputs=16, train=False), draw(7, n_inputs=16, train=False)
    assert a.description == b.description and np.array_equal(a.inputs, b.inputs)
    for wa, wb in zip(a.model.get_weights(), b.model.get_weights()):
        assert np.array_equal(wa, wb)
    descriptions = {tuple(draw(s, n_inputs=4, train=False).description) for s in range(1, 7)}
    assert len(descriptions) == 6


@pytest.mark.parametrize("seed", [1, 4])
def test_random_cnn_is_bit_exact_in_both_io_types(seed):
    rows = check(seed)
    assert [r["io_type"] for r in rows] == ["io_parallel", "io_stream"]
    for r in rows:
        if r["guaranteed"]:
            assert r["bit_exact_fraction"] == 1.0, r
        else:  # a float32-dependent layer: any difference must start there
            assert r["bit_exact_fraction"] == 1.0 or r["cause"] == "keras-float32", r
