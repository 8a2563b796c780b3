"""Cycle-accurate simulation of the written Verilog with Verilator: l1cnn's own C++ testbench clocks the
pipelined top module with one sample per cycle (II = 1), reads each output `latency` cycles after its
input went in, and exchanges raw bits with Python through binary files (packed here, vectorized).

Layer: hls (imports nothing above hls).
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hls.rtl.tools import ToolError, verilator

__all__ = ["Port", "Simulator", "build", "pack", "unpack"]

TESTBENCH = r"""// l1cnn testbench: one sample per clock cycle into a fully pipelined module, each output read
// LATENCY cycles later. Usage: tb IN.bin OUT.bin N_SAMPLES LATENCY (raw little-endian 32-bit words).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <vector>
#include "verilated.h"
#include "Vtop.h"

template <typename T> static void put(T& port, const uint32_t* w) {
    if constexpr (std::is_integral_v<T>) {
        uint64_t v = w[0];
        if (IN_WORDS > 1) v |= uint64_t(w[1]) << 32;
        port = T(v);
    } else {
        for (int i = 0; i < IN_WORDS; ++i) port[i] = w[i];
    }
}

template <typename T> static void get(const T& port, uint32_t* w) {
    if constexpr (std::is_integral_v<T>) {
        uint64_t v = uint64_t(port);
        w[0] = uint32_t(v);
        if (OUT_WORDS > 1) w[1] = uint32_t(v >> 32);
    } else {
        for (int i = 0; i < OUT_WORDS; ++i) w[i] = port[i];
    }
}

int main(int argc, char** argv) {
    if (argc != 5) { std::fprintf(stderr, "usage: tb IN.bin OUT.bin N LATENCY\n"); return 2; }
    const long n = std::atol(argv[3]), latency = std::atol(argv[4]);
    std::vector<uint32_t> in(size_t(n) * IN_WORDS), out(size_t(n) * OUT_WORDS), idle(IN_WORDS, 0);
    FILE* f = std::fopen(argv[1], "rb");
    if (!f || std::fread(in.data(), 4, in.size(), f) != in.size()) { std::fprintf(stderr, "cannot read %s\n", argv[1]); return 2; }
    std::fclose(f);
    VerilatedContext ctx;
    Vtop top{&ctx};
    top.clk = 0;
    top.eval();
    for (long t = 0; t < n + latency; ++t) {
        put(top.model_inp, t < n ? &in[size_t(t) * IN_WORDS] : idle.data());
        top.clk = 1;
        top.eval();
        const long s = t - latency;  // the sample whose result the output registers hold now
        if (s >= 0) get(top.model_out, &out[size_t(s) * OUT_WORDS]);
        top.clk = 0;
        top.eval();
    }
    f = std::fopen(argv[2], "wb");
    if (!f || std::fwrite(out.data(), 4, out.size(), f) != out.size()) { std::fprintf(stderr, "cannot write %s\n", argv[2]); return 2; }
    std::fclose(f);
    return 0;
}
"""


@dataclass(frozen=True)
class Port:
    """A port of `size` elements of one fixed-point format (signed, width bits, frac fractional),
    element j at bits [j * width, (j + 1) * width)."""
    size: int
    width: int
    signed: bool
    frac: int

    @property
    def words(self) -> int:  # at least one: a model whose outputs do not depend on its input has a 0-bit input
        return max(1, -(-self.size * self.width // 32))


def pack(q: np.ndarray, port: Port) -> np.ndarray:
    """Integers q (N, size) as the port's raw bits, (N, words) uint32 little-endian words."""
    q = np.asarray(q, np.int64)
    n = len(q)
    if port.width == 0:  # nothing to drive (the port is declared [-1:0]: held at zero)
        return np.zeros((n, port.words), np.uint32)
    mask = (1 << port.width) - 1
    out = np.empty((n, port.words), np.uint32)
    shifts = np.arange(port.width, dtype=np.int64)
    for start in range(0, n, 2048):  # (chunk, size, width) bits at a time
        u = q[start:start + 2048] & mask
        bits = ((u[:, :, None] >> shifts) & 1).astype(np.uint8).reshape(len(u), -1)
        bits = np.pad(bits, ((0, 0), (0, port.words * 32 - bits.shape[1])))
        out[start:start + 2048] = np.packbits(bits, axis=1, bitorder="little").view("<u4")
    return out


def unpack(words: np.ndarray, port: Port) -> np.ndarray:
    """(N, words) uint32 raw bits -> integers (N, size), sign-extended when the port is signed."""
    words = np.ascontiguousarray(words, dtype="<u4")
    bits = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")[:, :port.size * port.width]
    bits = bits.reshape(len(words), port.size, port.width).astype(np.int64)
    q = bits @ (np.int64(1) << np.arange(port.width, dtype=np.int64))
    if port.signed:
        q = np.where(q >= 1 << (port.width - 1), q - (1 << port.width), q)
    return q


@dataclass
class Simulator:
    binary: Path
    inp: Port
    out: Port
    latency: int

    def run(self, q: np.ndarray) -> np.ndarray:
        """Output integers (N, out.size) for input integers q (N, inp.size), one sample per cycle."""
        tool = verilator()
        with tempfile.TemporaryDirectory(prefix="l1cnn-vsim-") as tmp:
            src, dst = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
            pack(q, self.inp).tofile(src)
            res = subprocess.run([str(self.binary), str(src), str(dst), str(len(q)), str(self.latency)],
                                 capture_output=True, text=True, env=tool.environ())
            if res.returncode != 0:
                raise ToolError(f"the Verilator simulation {self.binary} failed: {_last_line(res)}")
            words = np.fromfile(dst, "<u4").reshape(len(q), self.out.words)
        return unpack(words, self.out)


def _last_line(res) -> str:
    lines = (res.stderr or res.stdout or "").strip().splitlines()
    return lines[-1] if lines else f"exit code {res.returncode}"


def sources(rtl_dir: Path) -> list:
    src = Path(rtl_dir) / "src"
    return sorted((src / "static").glob("*.v")) + sorted(src.glob("*.v"))


def build(rtl_dir: Path, top: str, inp: Port, out: Port, latency: int, jobs: int = 1, log=None) -> Simulator:
    """Verilate the project in rtl_dir (top module `top`) with the testbench into rtl_dir/verilator/tb; reused
    while the sources, the testbench and the Verilator release are unchanged."""
    tool = verilator()
    sim = Path(rtl_dir) / "verilator"
    files = sources(rtl_dir)
    h = hashlib.sha256(TESTBENCH.encode() + tool.version.encode() + f"{inp}{out}{top}".encode())
    for f in files:
        h.update(f.name.encode() + f.read_bytes())
    digest = h.hexdigest()[:16]
    binary, stamp = sim / "tb", sim / "tb.digest"
    if binary.exists() and stamp.exists() and stamp.read_text() == digest:
        return Simulator(binary, inp, out, latency)
    if sim.exists():
        shutil.rmtree(sim)
    sim.mkdir(parents=True)
    (sim / "tb.cpp").write_text(TESTBENCH)
    cmd = [*tool.command, "--cc", "--exe", "--build", "-j", str(max(1, jobs)), "--top-module", top,
           "--prefix", "Vtop", "--Mdir", str(sim / "obj_dir"), "-o", str(binary.resolve()),
           "-Wno-fatal", "-Wno-lint", "-Wno-style", "-Wno-UNOPTFLAT",
           "-CFLAGS", f"-O1 -DIN_WORDS={inp.words} -DOUT_WORDS={out.words}",
           # the wheel's verilated.mk leaves the precompiled-header flag empty; g++ spells it -include
           "-MAKEFLAGS", "CFG_CXXFLAGS_PCH_I=-include",
           *[str(f) for f in files], str(sim / "tb.cpp")]
    res = subprocess.run(cmd, capture_output=True, text=True, env=tool.environ())
    if log is not None:
        Path(log).write_text(res.stdout + res.stderr)
    if res.returncode != 0 or not binary.exists():
        raise ToolError(f"Verilator {tool.version} failed to build {rtl_dir}: {_last_line(res)}"
                        + (f" (full log: {log})" if log else ""))
    shutil.rmtree(sim / "obj_dir", ignore_errors=True)  # hundreds of MB of generated C++: the binary is enough
    stamp.write_text(digest)
    return Simulator(binary, inp, out, latency)
