"""Detector energy (GeV) to network input: the trigger energy word read as the declared fixed-point type.

The word counts `lsb_gev` (one value, or one per channel: channels can be
different physical quantities, e.g. the first ECAL layers need a finer LSB);
the firmware reads it as ap_ufixed<W,I>, i.e. as E / (lsb_gev * 2^(W-I)). The
quantized path rounds and saturates exactly as the input quantizer (and a real
trigger word) does.
"""

import numpy as np

from quantize.formats import FixedFormat


def input_scale_gev(input_cfg) -> np.ndarray:
    """GeV per unit of network input, per channel (broadcasts over the last axis)."""
    fmt = FixedFormat.parse(input_cfg["format"])
    return np.asarray(input_cfg["lsb_gev"], dtype=np.float64) / fmt.lsb


def float_inputs(e_gev, input_cfg) -> np.ndarray:
    """e_gev: (..., channels) energies in GeV."""
    return (np.asarray(e_gev, dtype=np.float64) / input_scale_gev(input_cfg)).astype(np.float32)


def quantized_inputs(e_gev, input_cfg) -> np.ndarray:
    fmt = FixedFormat.parse(input_cfg["format"])
    return fmt.quantize(float_inputs(e_gev, input_cfg)).astype(np.float32)
