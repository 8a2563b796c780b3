"""Detector ET (GeV) to network input: the trigger ET word read as the declared fixed-point type.

The word counts `et_lsb_gev`; the firmware reads it as ap_ufixed<W,I>, i.e. as
ET / (et_lsb_gev * 2^(W-I)). The quantized path rounds and saturates exactly as
the input quantizer (and a real ET word) does.
"""

import numpy as np

from quantize.formats import FixedFormat


def input_scale_gev(input_cfg) -> float:
    """GeV per unit of network input."""
    fmt = FixedFormat.parse(input_cfg["format"])
    return input_cfg["et_lsb_gev"] / fmt.lsb


def float_inputs(et_gev, input_cfg) -> np.ndarray:
    return (np.asarray(et_gev, dtype=np.float64) / input_scale_gev(input_cfg)).astype(np.float32)


def quantized_inputs(et_gev, input_cfg) -> np.ndarray:
    fmt = FixedFormat.parse(input_cfg["format"])
    return fmt.quantize(float_inputs(et_gev, input_cfg)).astype(np.float32)
