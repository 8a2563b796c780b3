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

# device prefix -> (family, LUT, FF, DSP, BRAM_18K, URAM, DSP slice, source). The data sheets: DS180 (7 series
# v2.6: slices, 4 LUTs and 8 flip-flops each), DS190 (Zynq-7000 v1.11.1), DS890 (UltraScale, UltraScale+,
# Zynq UltraScale+ MPSoC and RFSoC v4.6), DS950 (Versal v1.6, an advance specification); block RAM as
# 36 Kb blocks x 2.
_DEVICES = {
    # Virtex-7
    "xc7vx330t": ("virtex7", 204_000, 408_000, 1_120, 1_500, 0, _DSP48E1, "DS180 Table 8 (slices x 4, x 8)"),
    "xc7vx415t": ("virtex7", 257_600, 515_200, 2_160, 1_760, 0, _DSP48E1, "DS180 Table 8 (slices x 4, x 8)"),
    "xc7vx485t": ("virtex7", 303_600, 607_200, 2_800, 2_060, 0, _DSP48E1, "DS180 Table 8 (slices x 4, x 8); VC707 platform table"),
    "xc7vx550t": ("virtex7", 346_400, 692_800, 2_880, 2_360, 0, _DSP48E1, "DS180 Table 8 (slices x 4, x 8)"),
    "xc7vx690t": ("virtex7", 433_200, 866_400, 3_600, 2_940, 0, _DSP48E1, "DS180 Table 8 (slices x 4, x 8)"),
    "xc7vx980t": ("virtex7", 612_000, 1_224_000, 3_600, 3_000, 0, _DSP48E1, "DS180 Table 8 (slices x 4, x 8)"),
    "xc7vx1140t": ("virtex7", 712_000, 1_424_000, 3_360, 3_760, 0, _DSP48E1, "DS180 Table 8 (slices x 4, x 8)"),
    "xc7v585t": ("virtex7", 364_200, 728_400, 1_260, 1_590, 0, _DSP48E1, "DS180 Table 8 (slices x 4, x 8)"),
    "xc7v2000t": ("virtex7", 1_221_600, 2_443_200, 2_160, 2_584, 0, _DSP48E1, "DS180 Table 8 (slices x 4, x 8)"),
    # Kintex-7
    "xc7k70t": ("kintex7", 41_000, 82_000, 240, 270, 0, _DSP48E1, "DS180 Table 6 (slices x 4, x 8)"),
    "xc7k160t": ("kintex7", 101_400, 202_800, 600, 650, 0, _DSP48E1, "DS180 Table 6 (slices x 4, x 8)"),
    "xc7k325t": ("kintex7", 203_800, 407_600, 840, 890, 0, _DSP48E1, "DS180 Table 6 (slices x 4, x 8); Vivado utilization report"),
    "xc7k355t": ("kintex7", 222_600, 445_200, 1_440, 1_430, 0, _DSP48E1, "DS180 Table 6 (slices x 4, x 8)"),
    "xc7k410t": ("kintex7", 254_200, 508_400, 1_540, 1_590, 0, _DSP48E1, "DS180 Table 6 (slices x 4, x 8); Vivado report xc7k410t"),
    "xc7k420t": ("kintex7", 260_600, 521_200, 1_680, 1_670, 0, _DSP48E1, "DS180 Table 6 (slices x 4, x 8)"),
    "xc7k480t": ("kintex7", 298_600, 597_200, 1_920, 1_910, 0, _DSP48E1, "DS180 Table 6 (slices x 4, x 8)"),
    # Artix-7
    "xc7a12t": ("artix7", 8_000, 16_000, 40, 40, 0, _DSP48E1, "DS180 Table 4 (slices x 4, x 8)"),
    "xc7a15t": ("artix7", 10_400, 20_800, 45, 50, 0, _DSP48E1, "DS180 Table 4 (slices x 4, x 8)"),
    "xc7a25t": ("artix7", 14_600, 29_200, 80, 90, 0, _DSP48E1, "DS180 Table 4 (slices x 4, x 8)"),
    "xc7a35t": ("artix7", 20_800, 41_600, 90, 100, 0, _DSP48E1, "DS180 Table 4 (slices x 4, x 8); Vivado report xc7a35tcpg236"),
    "xc7a50t": ("artix7", 32_600, 65_200, 120, 150, 0, _DSP48E1, "DS180 Table 4 (slices x 4, x 8)"),
    "xc7a75t": ("artix7", 47_200, 94_400, 180, 210, 0, _DSP48E1, "DS180 Table 4 (slices x 4, x 8)"),
    "xc7a100t": ("artix7", 63_400, 126_800, 240, 270, 0, _DSP48E1, "DS180 Table 4 (slices x 4, x 8)"),
    "xc7a200t": ("artix7", 134_600, 269_200, 740, 730, 0, _DSP48E1, f"DS180 Table 4 (slices x 4, x 8); {_CSYNTH}"),
    # Zynq-7000
    "xc7z007s": ("zynq", 14_400, 28_800, 66, 100, 0, _DSP48E1, "DS190 Table 1; Vitis HLS Available row (MiniZed)"),
    "xc7z010": ("zynq", 17_600, 35_200, 80, 120, 0, _DSP48E1, "DS190 Table 1; Zybo platform table"),
    "xc7z012s": ("zynq", 34_400, 68_800, 120, 144, 0, _DSP48E1, "DS190 Table 1"),
    "xc7z014s": ("zynq", 40_600, 81_200, 170, 214, 0, _DSP48E1, "DS190 Table 1"),
    "xc7z015": ("zynq", 46_200, 92_400, 160, 190, 0, _DSP48E1, "DS190 Table 1"),
    "xc7z020": ("zynq", 53_200, 106_400, 220, 280, 0, _DSP48E1, f"DS190 Table 1; {_CSYNTH}"),
    "xc7z030": ("zynq", 78_600, 157_200, 400, 530, 0, _DSP48E1, "DS190 Table 1"),
    "xc7z035": ("zynq", 171_900, 343_800, 900, 1_000, 0, _DSP48E1, "DS190 Table 1"),
    "xc7z045": ("zynq", 218_600, 437_200, 900, 1_090, 0, _DSP48E1, "DS190 Table 1; ZC706 Vivado reports"),
    "xc7z100": ("zynq", 277_400, 554_800, 2_020, 1_510, 0, _DSP48E1, "DS190 Table 1"),
    # Kintex UltraScale
    "xcku025": ("kintexu", 145_440, 290_880, 1_152, 720, 0, _DSP48E2, "DS890 Table 7"),
    "xcku035": ("kintexu", 203_128, 406_256, 1_700, 1_080, 0, _DSP48E2, "DS890 Table 7"),
    "xcku040": ("kintexu", 242_400, 484_800, 1_920, 1_200, 0, _DSP48E2, "DS890 Table 7"),
    "xcku060": ("kintexu", 331_680, 663_360, 2_760, 2_160, 0, _DSP48E2, "DS890 Table 7"),
    "xcku085": ("kintexu", 497_520, 995_040, 4_100, 3_240, 0, _DSP48E2, "DS890 Table 7"),
    "xcku095": ("kintexu", 537_600, 1_075_200, 768, 3_360, 0, _DSP48E2, "DS890 Table 7"),
    "xcku115": ("kintexu", 663_360, 1_326_720, 5_520, 4_320, 0, _DSP48E2, "DS890 Table 7; HLS Available row"),
    # Virtex UltraScale
    "xcvu065": ("virtexu", 358_080, 716_160, 600, 2_520, 0, _DSP48E2, "DS890 Table 11"),
    "xcvu080": ("virtexu", 445_712, 891_424, 672, 2_842, 0, _DSP48E2, "DS890 Table 11"),
    "xcvu095": ("virtexu", 537_600, 1_075_200, 768, 3_456, 0, _DSP48E2, "DS890 Table 11"),
    "xcvu125": ("virtexu", 716_160, 1_432_320, 1_200, 5_040, 0, _DSP48E2, "DS890 Table 11"),
    "xcvu160": ("virtexu", 926_400, 1_852_800, 1_560, 6_552, 0, _DSP48E2, "DS890 Table 11"),
    "xcvu190": ("virtexu", 1_074_240, 2_148_480, 1_800, 7_560, 0, _DSP48E2, "DS890 Table 11"),
    "xcvu440": ("virtexu", 2_532_960, 5_065_920, 2_880, 5_040, 0, _DSP48E2, "DS890 Table 11"),
    # Kintex UltraScale+
    "xcku3p": ("kintexuplus", 162_720, 325_440, 1_368, 720, 48, _DSP48E2, "DS890 Table 9"),
    "xcku5p": ("kintexuplus", 216_960, 433_920, 1_824, 960, 64, _DSP48E2, "DS890 Table 9"),
    "xcku9p": ("kintexuplus", 274_080, 548_160, 2_520, 1_824, 0, _DSP48E2, "DS890 Table 9"),
    "xcku11p": ("kintexuplus", 298_560, 597_120, 2_928, 1_200, 80, _DSP48E2, "DS890 Table 9"),
    "xcku13p": ("kintexuplus", 341_280, 682_560, 3_528, 1_488, 112, _DSP48E2, "DS890 Table 9"),
    "xcku15p": ("kintexuplus", 522_720, 1_045_440, 1_968, 1_968, 128, _DSP48E2, f"DS890 Table 9; {_CSYNTH}"),
    "xcku19p": ("kintexuplus", 842_400, 1_684_800, 1_080, 3_456, 288, _DSP48E2, "DS890 Table 9"),
    # Virtex UltraScale+
    "xcvu3p": ("virtexuplus", 394_080, 788_160, 2_280, 1_440, 320, _DSP48E2, "DS890 Table 13"),
    "xcvu5p": ("virtexuplus", 600_577, 1_201_154, 3_474, 2_048, 470, _DSP48E2, "DS890 Table 13"),
    "xcvu7p": ("virtexuplus", 788_160, 1_576_320, 4_560, 2_880, 640, _DSP48E2, "DS890 Table 13"),
    "xcvu9p": ("virtexuplus", 1_182_240, 2_364_480, 6_840, 4_320, 960, _DSP48E2, "DS890 Table 13; HLS Available row"),
    "xcvu11p": ("virtexuplus", 1_296_000, 2_592_000, 9_216, 4_032, 960, _DSP48E2, "DS890 Table 13"),
    "xcvu13p": ("virtexuplus", 1_728_000, 3_456_000, 12_288, 5_376, 1280, _DSP48E2, f"DS890 Table 13; {_CSYNTH}"),
    "xcvu19p": ("virtexuplus", 4_085_760, 8_171_520, 3_840, 4_320, 320, _DSP48E2, "DS890 Table 13"),
    "xcvu23p": ("virtexuplus", 1_029_600, 2_059_200, 1_320, 4_224, 352, _DSP48E2, "DS890 Table 13"),
    "xcvu27p": ("virtexuplus", 1_296_000, 2_592_000, 9_216, 4_032, 960, _DSP48E2, "DS890 Table 13"),
    "xcvu29p": ("virtexuplus", 1_728_000, 3_456_000, 12_288, 5_376, 1280, _DSP48E2, "DS890 Table 13"),
    # Virtex UltraScale+ HBM
    "xcvu31p": ("virtexuplus", 439_680, 879_360, 2_880, 1_344, 320, _DSP48E2, "DS890 Table 15"),
    "xcvu33p": ("virtexuplus", 439_680, 879_360, 2_880, 1_344, 320, _DSP48E2, "DS890 Table 15"),
    "xcvu35p": ("virtexuplus", 871_680, 1_743_360, 5_952, 2_688, 640, _DSP48E2, "DS890 Table 15"),
    "xcvu37p": ("virtexuplus", 1_303_680, 2_607_360, 9_024, 4_032, 960, _DSP48E2, "DS890 Table 15"),
    "xcvu45p": ("virtexuplus", 871_680, 1_743_360, 5_952, 2_688, 640, _DSP48E2, "DS890 Table 15"),
    "xcvu47p": ("virtexuplus", 1_303_680, 2_607_360, 9_024, 4_032, 960, _DSP48E2, "DS890 Table 15"),
    "xcvu57p": ("virtexuplus", 1_303_680, 2_607_360, 9_024, 4_032, 960, _DSP48E2, "DS890 Table 15"),
    # Zynq UltraScale+ MPSoC
    "xczu1": ("zynquplus", 37_440, 74_880, 216, 216, 0, _DSP48E2, "DS890 Table 19"),
    "xczu2": ("zynquplus", 47_232, 94_464, 240, 300, 0, _DSP48E2, "DS890 Table 19"),
    "xczu3": ("zynquplus", 70_560, 141_120, 360, 432, 0, _DSP48E2, "DS890 Table 19"),
    "xczu4": ("zynquplus", 87_840, 175_680, 728, 256, 48, _DSP48E2, "DS890 Table 19"),
    "xczu5": ("zynquplus", 117_120, 234_240, 1_248, 288, 64, _DSP48E2, "DS890 Table 19"),
    "xczu6": ("zynquplus", 214_604, 429_208, 1_973, 1_428, 0, _DSP48E2, "DS890 Table 19"),
    "xczu7": ("zynquplus", 230_400, 460_800, 1_728, 624, 96, _DSP48E2, "DS890 Table 19"),
    "xczu9": ("zynquplus", 274_080, 548_160, 2_520, 1_824, 0, _DSP48E2, "DS890 Table 19; HLS Available row (ZCU102)"),
    "xczu11": ("zynquplus", 298_560, 597_120, 2_928, 1_200, 80, _DSP48E2, "DS890 Table 19"),
    "xczu15": ("zynquplus", 341_280, 682_560, 3_528, 1_488, 112, _DSP48E2, "DS890 Table 19"),
    "xczu17": ("zynquplus", 423_403, 846_806, 1_590, 1_592, 102, _DSP48E2, "DS890 Table 19"),
    "xczu19": ("zynquplus", 522_720, 1_045_440, 1_968, 1_968, 128, _DSP48E2, "DS890 Table 19"),
    # Alveo cards as hls4ml names their parts (each is a Virtex UltraScale+ die)
    "xcu50": ("alveo", 871_680, 1_743_360, 5_952, 2_688, 640, _DSP48E2, f"DS965 (the VU35P die, DS890 Table 15); {_CSYNTH}"),
    "xcu55c": ("alveo", 1_303_680, 2_607_360, 9_024, 4_032, 960, _DSP48E2, "DS890 Table 15: the VU47P die (die per a third-party list, not checked against DS978)"),
    "xcu200": ("alveo", 1_182_240, 2_364_480, 6_840, 4_320, 960, _DSP48E2, "DS962 (the VU9P die, DS890 Table 13)"),
    "xcu250": ("alveo", 1_728_000, 3_456_000, 12_288, 5_376, 1_280, _DSP48E2, f"DS962 (the VU13P die, DS890 Table 13); {_CSYNTH}"),
    "xcu280": ("alveo", 1_303_680, 2_607_360, 9_024, 4_032, 960, _DSP48E2, "DS963 (the VU37P die, DS890 Table 15); HLS Available row"),
    # Kria SOM (a ZU5-class fabric)
    "xck26": ("zynquplus", 117_120, 234_240, 1_248, 288, 64, _DSP48E2, "DS987; Vitis HLS Available row"),
    # Zynq UltraScale+ RFSoC
    "xczu21dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, _DSP48E2, "DS890 Table 23"),
    "xczu25dr": ("rfsoc", 310_088, 620_176, 3_145, 1_584, 48, _DSP48E2, "DS890 Table 23"),
    "xczu27dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, _DSP48E2, "DS890 Table 23"),
    "xczu28dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, _DSP48E2, "DS890 Table 23; Vivado utilization report"),
    "xczu29dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, _DSP48E2, "DS890 Table 23"),
    "xczu39dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, _DSP48E2, "DS890 Table 23"),
    "xczu42dr": ("rfsoc", 223_680, 447_360, 1_872, 1_296, 160, _DSP48E2, "DS890 Table 23"),
    "xczu43dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, _DSP48E2, "DS890 Table 23"),
    "xczu46dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, _DSP48E2, "DS890 Table 23"),
    "xczu47dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, _DSP48E2, "DS890 Table 23"),
    "xczu48dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, _DSP48E2, "DS890 Table 23"),
    "xczu49dr": ("rfsoc", 425_280, 850_560, 4_272, 2_160, 80, _DSP48E2, "DS890 Table 23"),
    # Zynq UltraScale+ RFSoC (DFE)
    "xczu63dr": ("rfsoc", 180_000, 360_000, 1_200, 1_000, 130, _DSP48E2, "DS890 Table 25"),
    "xczu64dr": ("rfsoc", 150_000, 300_000, 1_872, 900, 80, _DSP48E2, "DS890 Table 25"),
    "xczu65dr": ("rfsoc", 223_680, 447_360, 1_872, 1_296, 160, _DSP48E2, "DS890 Table 25"),
    "xczu67dr": ("rfsoc", 223_680, 447_360, 1_872, 1_296, 160, _DSP48E2, "DS890 Table 25"),
    # Versal AI Core
    "xcvc1502": ("versal", 364_544, 729_088, 1_312, 1_094, 215, _DSP58, "DS950 Table 2 (advance specification)"),
    "xcvc1702": ("versal", 480_256, 960_512, 1_696, 1_652, 402, _DSP58, "DS950 Table 2 (advance specification)"),
    "xcvc1802": ("versal", 725_000, 1_450_000, 1_600, 1_600, 325, _DSP58, "DS950 Table 2 (advance specification)"),
    "xcvc1902": ("versal", 899_840, 1_799_680, 1_968, 1_934, 463, _DSP58, "DS950 Table 2 (advance specification); Vivado utilization (VCK190)"),
    # Versal Prime
    "xcvm1802": ("versal", 899_840, 1_799_680, 1_968, 1_934, 463, _DSP58, "DS950 Table 4 (advance specification)"),
    # Versal Premium
    "xcvp1202": ("versal", 900_224, 1_800_448, 3_984, 2_682, 677, _DSP58, "DS950 Table 6 (advance specification)"),
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
    'uram', 'dsp_slice', 'dsp_a_bits', 'dsp_b_bits'}; UnknownPart if not in the table."""
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
    family, lut, ff, dsp, bram, uram, (slice_name, a_bits, b_bits), source = _DEVICES[device]
    return {"part": part, "device": device, "family": family, "lut": lut, "ff": ff, "dsp": dsp,
            "bram_18k": bram, "uram": uram, "dsp_slice": slice_name,
            "dsp_a_bits": a_bits, "dsp_b_bits": b_bits, "source": source}
