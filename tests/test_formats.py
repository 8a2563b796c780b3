"""Fixed-point formats: numpy quantization must equal QKeras' quantizers bit for bit."""

import numpy as np
import pytest

from quantize.formats import FixedFormat, signed_format, unsigned_format
from quantize.inputs import float_inputs, input_scale_gev, quantized_inputs

pytestmark = pytest.mark.unit


def test_parse_and_spell():
    f = FixedFormat.parse("ap_ufixed<10,2>")
    assert (f.width, f.integer, f.signed) == (10, 2, False)
    assert f.lsb == 2 ** -8 and f.max == 4 - 2 ** -8 and f.min == 0
    g = FixedFormat.parse("fixed<18,5,TRN,WRAP,0>")  # hls4ml's own spelling
    assert (g.width, g.integer, g.signed) == (18, 5, True)
    assert g.min == -16 and g.max == 16 - 2 ** -13
    assert FixedFormat.parse(g.hls_type()) == g


@pytest.mark.parametrize("bad", ["fixed", "ap_fixed<8>", "int<8>", "ap_fixed<0,0>", "ap_fixed<1,1>"])
def test_parse_rejects(bad):
    with pytest.raises(ValueError):
        FixedFormat.parse(bad)


def test_round_half_to_even_and_saturate():
    f = FixedFormat(4, 2, True)  # lsb 0.25, range [-2, 1.75]
    x = np.array([0.125, 0.375, -0.125, 5.0, -5.0, 1.8, 1.75])
    assert f.quantize(x).tolist() == [0.0, 0.5, -0.0, 1.75, -2.0, 1.75, 1.75]


@pytest.mark.parametrize("fmt", [signed_format(6, 0), signed_format(8, 3), signed_format(10, 4),
                                 unsigned_format(10, 2), unsigned_format(8, 3), unsigned_format(4, 0)])
def test_numpy_quantizer_equals_qkeras(fmt):
    rng = np.random.default_rng(1)
    span = 2.0 ** (fmt.integer + 1)
    # random values, exact grid points, exact half-LSB ties, saturating extremes. QKeras returns
    # x + (xq - x) in float32 (straight-through estimator), which is exact only while x and the
    # LSB span at most 24 bits: |x| = 1e6 comes back off by one float32 ulp, so stay at 1e3.
    grid = np.arange(-2 ** fmt.width, 2 ** fmt.width) * fmt.lsb
    x = np.concatenate([rng.uniform(-span, span, 5000), grid, grid + fmt.lsb / 2, [1e3, -1e3]]).astype(np.float32)
    q = fmt.qkeras_bits()
    ref = q(x).numpy()
    assert np.array_equal(fmt.quantize(x).astype(np.float32), ref)
    if not fmt.signed:
        assert np.array_equal(fmt.quantize(x).astype(np.float32), fmt.qkeras_relu()(x).numpy())


def test_trigger_input_word():
    cfg = {"lsb_gev": 0.5, "format": "ap_ufixed<10,2>"}
    assert input_scale_gev(cfg) == 128.0
    et = np.array([0.0, 0.24, 0.25, 0.26, 0.75, 100.0, 511.5, 600.0])
    q = quantized_inputs(et, cfg)
    words = q * 256  # counts of 0.5 GeV
    assert np.array_equal(words, np.round(words))  # on the firmware grid
    assert words.tolist() == [0, 0, 0, 1, 2, 200, 1023, 1023]  # half-to-even ties, saturation at 1023
    assert np.allclose(float_inputs(et, cfg) * 128, et)
    # one LSB per channel: channel 0 counts 4 MeV, channel 1 counts 0.5 GeV
    two = quantized_inputs(np.array([[0.1, 0.1], [5.0, 5.0]]), {"lsb_gev": [0.004, 0.5], "format": "ap_ufixed<10,2>"})
    assert (two * 256).tolist() == [[25, 0], [1023, 10]]
