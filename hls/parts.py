"""FPGA parts: the one place for device facts (available resources, DSP slice type, family).

Counts are per device (family + device name): package, speed grade and temperature grade do not
change them, so any full part name is matched by its device prefix ("xcvu13p-fsga2577-1-e" and
"xcvu13p-flga2577-2-e" are the same device). BRAM_18K counts RAMB18 halves (two per 36 Kb tile).

Sources (Xilinx/AMD data sheets, resource tables):
  * DS890  UltraScale Architecture and Product Data Sheet: Overview, tables for Kintex UltraScale
           (KU115) and Virtex UltraScale+ (VU9P, VU13P). DS923 (Virtex UltraScale+ DC/AC switching
           characteristics) gives the speed grades, not the counts.
  * DS962  Alveo U200/U250 data sheet: the U250 card carries a VU13P-class die (4 SLRs); the
           hls4ml part name xcu250-figd2104-2L-e has the VU13P counts.
  * DS190  Zynq-7000 SoC Data Sheet: Overview (XC7Z020).
Checked against the "Available" rows of Vivado HLS 2020.1 csynth reports in
shared/fixtures/hls_reports/: xcu250-figd2104-2L-e 5376 BRAM_18K / 12288 DSP / 3456000 FF /
1728000 LUT / 1280 URAM (432000 LUT per SLR); xc7z020-clg400-1 280 / 220 / 106400 / 53200 / 0.
"""
from __future__ import annotations

from common.errors import L1CNNError

__all__ = ["UnknownPart", "lookup", "known_parts"]

# DSP slice operand sizes (signed A x B): DSP48E1 (7-series, UG479) 25x18, DSP48E2 (UltraScale and
# UltraScale+, UG579) 27x18.
_DSP48E1 = ("DSP48E1", 25, 18)
_DSP48E2 = ("DSP48E2", 27, 18)

# device prefix -> (family, LUT, FF, DSP, BRAM_18K, URAM, SLRs, DSP slice)
_DEVICES = {
    "xcvu13p": ("virtexuplus", 1_728_000, 3_456_000, 12_288, 5_376, 1_280, 4, _DSP48E2),  # DS890
    "xcu250": ("virtexuplus", 1_728_000, 3_456_000, 12_288, 5_376, 1_280, 4, _DSP48E2),  # DS962 (VU13P)
    "xcvu9p": ("virtexuplus", 1_182_240, 2_364_480, 6_840, 4_320, 960, 3, _DSP48E2),  # DS890
    "xcu200": ("virtexuplus", 1_182_240, 2_364_480, 6_840, 4_320, 960, 3, _DSP48E2),  # DS962 (VU9P)
    "xcku115": ("kintexu", 663_360, 1_326_720, 5_520, 4_320, 0, 2, _DSP48E2),  # DS890
    "xc7z020": ("zynq", 53_200, 106_400, 220, 280, 0, 1, _DSP48E1),  # DS190
}


class UnknownPart(L1CNNError, ValueError):
    """The part is not in the table; the message is one line listing the known devices."""


def known_parts() -> list[str]:
    return sorted(_DEVICES)


def _device_of(part: str) -> str | None:
    """Longest known device prefix of `part` that is not followed by another digit."""
    name = part.strip().lower()
    for device in sorted(_DEVICES, key=len, reverse=True):
        if name.startswith(device) and not name[len(device):len(device) + 1].isdigit():
            return device
    return None


def lookup(part: str) -> dict:
    """Available resources of `part`: {'part', 'device', 'family', 'lut', 'ff', 'dsp', 'bram_18k',
    'uram', 'slrs', 'dsp_slice', 'dsp_a_bits', 'dsp_b_bits'}; UnknownPart if not in the table."""
    device = _device_of(str(part or ""))
    if device is None:
        raise UnknownPart(f"unknown FPGA part {part!r}; known devices (any package/speed): "
                          + ", ".join(known_parts()))
    family, lut, ff, dsp, bram, uram, slrs, (slice_name, a_bits, b_bits) = _DEVICES[device]
    return {"part": part, "device": device, "family": family, "lut": lut, "ff": ff, "dsp": dsp,
            "bram_18k": bram, "uram": uram, "slrs": slrs, "dsp_slice": slice_name,
            "dsp_a_bits": a_bits, "dsp_b_bits": b_bits}
