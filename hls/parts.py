"""FPGA parts: the one place for device facts (available resources, DSP slice type, family).

Counts are per device (family + device name): package, speed grade and temperature grade do not
change them, so any full part name is matched by its device prefix ("xcvu13p-fsga2577-1-e" and
"xcvu13p-flga2577-2-e" are the same device). BRAM_18K counts RAMB18 halves (two per 36 Kb tile).

Every row was read from a vendor table or a vendor tool's own report of the device (HLS csynth
'Available' rows, Vivado report_utilization 'Available' columns): the source is on the row. The
calibration fixtures' csynth 'Available' rows check the rows of their parts (tests/test_estimate.py).
A device whose counts no such source gave is not in the table: lookup() names it as unknown rather
than guessing, and lists the families with the devices l1cnn knows.
"""
from __future__ import annotations

from common.errors import L1CNNError

__all__ = ["UnknownPart", "lookup", "known_parts"]

# DSP slice operand sizes (signed A x B): DSP48E1 (7-series, UG479) 25x18, DSP48E2 (UltraScale and
# UltraScale+, UG579) 27x18, DSP58 (Versal, AM004) 27x24.
_DSP48E1 = ("DSP48E1", 25, 18)
_DSP48E2 = ("DSP48E2", 27, 18)
_DSP58 = ("DSP58", 27, 24)
_CSYNTH = "csynth Available row of a calibration fixture"

# device prefix -> (family, LUT, FF, DSP, BRAM_18K, URAM, SLRs, DSP slice, source)
_DEVICES = {
    # Zynq-7000 (DS190)
    "xc7z007s": ("zynq", 14_400, 28_800, 66, 100, 0, 1, _DSP48E1, "DS190; Vitis HLS Available row (MiniZed)"),
    "xc7z010": ("zynq", 17_600, 35_200, 80, 120, 0, 1, _DSP48E1, "DS190; Zybo platform table"),
    "xc7z020": ("zynq", 53_200, 106_400, 220, 280, 0, 1, _DSP48E1, f"DS190; {_CSYNTH}"),
    "xc7z045": ("zynq", 218_600, 437_200, 900, 1_090, 0, 1, _DSP48E1, "DS190; ZC706 Vivado reports"),
    "xc7z100": ("zynq", 277_400, 554_800, 2_020, 1_510, 0, 1, _DSP48E1, "DS190; published resource table"),
    # Artix-7, Kintex-7, Virtex-7 (DS180)
    "xc7a35t": ("artix7", 20_800, 41_600, 90, 100, 0, 1, _DSP48E1, "DS180; Vivado report xc7a35tcpg236"),
    "xc7a100t": ("artix7", 63_400, 126_800, 240, 270, 0, 1, _DSP48E1, "DS180; published part table"),
    "xc7a200t": ("artix7", 134_600, 269_200, 740, 730, 0, 1, _DSP48E1, f"DS180; {_CSYNTH}"),
    "xc7k325t": ("kintex7", 203_800, 407_600, 840, 890, 0, 1, _DSP48E1, "DS180; Vivado utilization report"),
    "xc7k410t": ("kintex7", 254_200, 508_400, 1_540, 1_590, 0, 1, _DSP48E1, "DS180; Vivado report xc7k410t"),
    "xc7vx485t": ("virtex7", 303_600, 607_200, 2_800, 2_060, 0, 1, _DSP48E1, "DS180; VC707 platform table"),
    # Kintex/Virtex UltraScale and UltraScale+ (DS890)
    "xcku115": ("kintexu", 663_360, 1_326_720, 5_520, 4_320, 0, 2, _DSP48E2, "DS890; HLS Available row"),
    "xcku15p": ("kintexuplus", 522_720, 1_045_440, 1_968, 1_968, 128, 1, _DSP48E2, f"DS890; {_CSYNTH}"),
    "xcvu9p": ("virtexuplus", 1_182_240, 2_364_480, 6_840, 4_320, 960, 3, _DSP48E2, "DS890; HLS Available row"),
    "xcvu13p": ("virtexuplus", 1_728_000, 3_456_000, 12_288, 5_376, 1_280, 4, _DSP48E2, f"DS890; {_CSYNTH}"),
    # Alveo cards as hls4ml names their parts (DS962, DS965, DS963)
    "xcu50": ("alveo", 871_680, 1_743_360, 5_952, 2_688, 640, 2, _DSP48E2, f"DS965; {_CSYNTH}"),
    "xcu200": ("alveo", 1_182_240, 2_364_480, 6_840, 4_320, 960, 3, _DSP48E2, "DS962 (the VU9P die)"),
    "xcu250": ("alveo", 1_728_000, 3_456_000, 12_288, 5_376, 1_280, 4, _DSP48E2, f"DS962; {_CSYNTH}"),
    "xcu280": ("alveo", 1_303_680, 2_607_360, 9_024, 4_032, 960, 3, _DSP48E2, "DS963; HLS Available row"),
    # Zynq UltraScale+ MPSoC (CG/EG/EV of one number share the fabric) and RFSoC (DS891, DS889)
    "xczu3": ("zynquplus", 70_560, 141_120, 360, 432, 0, 1, _DSP48E2, "DS891 Table 3"),
    "xczu7": ("zynquplus", 230_400, 460_800, 1_728, 624, 96, 1, _DSP48E2, "DS891 Table 5"),
    "xczu9": ("zynquplus", 274_080, 548_160, 2_520, 1_824, 0, 1, _DSP48E2, "DS891; HLS Available row (ZCU102)"),
    "xck26": ("zynquplus", 117_120, 234_240, 1_248, 288, 64, 1, _DSP48E2, "DS987; Vitis HLS Available row"),
    "xczu28dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, 1, _DSP48E2, "DS889; Vivado utilization report"),
    # Versal (DS950, AM004)
    "xcvc1902": ("versal", 899_840, 1_799_680, 1_968, 1_934, 463, 1, _DSP58, "DS950; Vivado utilization (VCK190)"),
}


# part-name prefix -> family name, for the message about a device of a known family missing from the table
_FAMILIES = (("xc7z", "Zynq-7000"), ("xc7a", "Artix-7"), ("xc7k", "Kintex-7"), ("xc7v", "Virtex-7"),
             ("xcau", "Artix UltraScale+"), ("xcku", "Kintex UltraScale(+)"), ("xcvu", "Virtex UltraScale(+)"),
             ("xcu", "Alveo"), ("xczu", "Zynq UltraScale+ MPSoC/RFSoC"), ("xck", "Kria"), ("xcv", "Versal"))


class UnknownPart(L1CNNError, ValueError):
    """The part is not in the table; the message is one line listing the known devices."""


def known_parts() -> list[str]:
    return sorted(_DEVICES)


def _family_of(device: str) -> str | None:
    return next((f for prefix, f in _FAMILIES if device.startswith(prefix)), None)


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
        name = str(part or "").strip().lower()
        family = next((f for prefix, f in _FAMILIES if name.startswith(prefix)), None)
        if family is not None:
            same = [d for d in known_parts() if _family_of(d) == family]
            raise UnknownPart(f"unknown FPGA part {part!r}: a {family} device whose resource counts are not in "
                              f"l1cnn's table; its known {family} devices: {', '.join(same) or 'none'} (hls/parts.py "
                              f"holds only vendor-sourced rows; add the device's row there with its source)")
        raise UnknownPart(f"unknown FPGA part {part!r}; known devices (any package/speed): "
                          + ", ".join(known_parts()))
    family, lut, ff, dsp, bram, uram, slrs, (slice_name, a_bits, b_bits), source = _DEVICES[device]
    return {"part": part, "device": device, "family": family, "lut": lut, "ff": ff, "dsp": dsp,
            "bram_18k": bram, "uram": uram, "slrs": slrs, "dsp_slice": slice_name,
            "dsp_a_bits": a_bits, "dsp_b_bits": b_bits, "source": source}
