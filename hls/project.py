"""Read a written hls4ml project (any hls4ml release from 0.5 to 1.3, Vivado or Vitis backend) into
the layers its firmware instantiates: function, config struct, types, weights and stream depths.

This is what the offline estimate costs, so it sees exactly what C synthesis sees, for l1cnn's
projects and for anyone else's (`l1cnn estimate PROJECT_DIR`). The files read are the ones hls4ml
writes: `firmware/<top>.cpp` (one `nnet::<function><in_t, out_t, config>(...); // <layer>` call per
layer, `#pragma HLS STREAM ... depth=` per FIFO), `firmware/parameters.h` (config structs),
`firmware/defines.h` (types), `firmware/weights/*.txt` (or the `.h` headers), and the part and clock
from `project.tcl`, `build_prj.tcl` or `hls4ml_config.yml`.
"""
from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from common.errors import L1CNNError

__all__ = ["HlsType", "FwLayer", "Project", "ProjectError", "read_project"]


class ProjectError(L1CNNError, ValueError):
    """Not a readable hls4ml project; the message names the file and what is missing."""


# ---- types ----------------------------------------------------------------------------------------
_FIXED = re.compile(r"^ap_(u?)fixed<\s*(\d+)\s*,\s*(-?\d+)\s*(?:,\s*(\w+))?\s*(?:,\s*(\w+))?[^>]*>$")
_INT = re.compile(r"^ap_(u?)int<\s*(\d+)\s*>$")
_ARRAY = re.compile(r"^nnet::array<\s*(.+)\s*,\s*([\w*+ ]+)\s*>$")
_CTYPES = {"bool": (1, False), "char": (8, True), "short": (16, True), "int": (32, True),
           "unsigned": (32, False), "float": (32, True), "double": (64, True)}


@dataclass(frozen=True)
class HlsType:
    """An ap_fixed/ap_int type (a float or C type keeps its width); `lanes` > 1 for an nnet::array
    (an io_stream beat: one pixel's channels)."""
    width: int
    integer: int
    signed: bool
    rounding: str = "TRN"
    saturation: str = "WRAP"
    lanes: int = 1
    text: str = ""


def parse_type(text: str, typedefs: dict | None = None, _depth: int = 0) -> HlsType | None:
    t = " ".join(str(text).split())
    if typedefs and t in typedefs and _depth < 20:
        return parse_type(typedefs[t], typedefs, _depth + 1)
    m = _ARRAY.match(t)
    if m:
        inner = parse_type(m.group(1), typedefs, _depth + 1)
        lanes = _eval(m.group(2), {})
        if inner is None or not isinstance(lanes, int):
            return None
        return HlsType(inner.width, inner.integer, inner.signed, inner.rounding, inner.saturation, lanes, t)
    m = _FIXED.match(t)
    if m:
        rnd = (m.group(4) or "AP_TRN").replace("AP_", "")
        sat = (m.group(5) or "AP_WRAP").replace("AP_", "")
        return HlsType(int(m.group(2)), int(m.group(3)), m.group(1) != "u", rnd, sat, 1, t)
    m = _INT.match(t)
    if m:
        return HlsType(int(m.group(2)), int(m.group(2)), m.group(1) != "u", text=t)
    if t in _CTYPES:
        w, s = _CTYPES[t]
        return HlsType(w, w, s, text=t)
    return None


# ---- C++ constant expressions --------------------------------------------------------------------
_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a // b if isinstance(a, int) and isinstance(b, int) else a / b,
           ast.Mod: lambda a, b: a % b}
_CALLS = {"DIV_ROUNDUP": lambda a, b: -(-a // b), "MIN": min, "MAX": max, "std::min": min, "std::max": max}


def _eval(expr: str, names: dict):
    """Value of a config field's C++ initializer: integers, names of earlier fields, + - * / %,
    DIV_ROUNDUP/MIN/MAX, true/false; an enum (nnet::latency, nnet::Pool_Op::Max) is its last name."""
    e = expr.strip()
    if re.fullmatch(r"(\w+::)+\w+", e):
        return e.rsplit("::", 1)[1]
    e = re.sub(r"\b(\d+)[uUlL]+\b", r"\1", e).replace("std::", "std_")
    e = re.sub(r"\bstd_(min|max)\b", lambda m: m.group(1).upper(), e)
    try:
        tree = ast.parse(e, mode="eval").body
    except SyntaxError:
        return None

    def value(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in ("true", "false"):
                return node.id == "true"
            v = names.get(node.id)
            if v is None:
                raise KeyError(node.id)
            return v
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS:
            return _CALLS[node.func.id](*[value(a) for a in node.args])
        raise KeyError(ast.dump(node))
    try:
        return value(tree)
    except (KeyError, ZeroDivisionError, TypeError):
        return None


# ---- parameters.h / defines.h ----------------------------------------------------------------------
def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S))


def _typedefs(text: str) -> dict:
    """name -> type text of every top-level `typedef <type> <name>;` (outside structs)."""
    flat = re.sub(r"struct\s+\w+\s*:[^{]*\{.*?\n\s*\};", "", text, flags=re.S)
    return {m.group(2): " ".join(m.group(1).split())
            for m in re.finditer(r"\btypedef\s+([^;]+?)\s+(\w+)\s*;", flat)}


def _structs(text: str) -> dict:
    """struct name -> {'_base': base, field: value, ...} of every `struct X : nnet::base { ... };`."""
    out = {}
    for m in re.finditer(r"struct\s+(\w+)\s*:\s*(?:public\s+)?([\w:]+)\s*\{(.*?)\n\s*\};", text, flags=re.S):
        fields = {"_base": m.group(2).rsplit("::", 1)[-1]}
        for stmt in m.group(3).split(";"):
            s = " ".join(stmt.split())
            if not s:
                continue
            t = re.fullmatch(r"typedef (.+) (\w+)", s)
            if t:
                fields[t.group(2)] = ("type", t.group(1))
                continue
            u = re.fullmatch(r"template\s*<.*?> using (\w+) = ([\w:]+).*", s)
            if u:
                fields[u.group(1)] = u.group(2).rsplit("::", 1)[-1]
                continue
            c = re.fullmatch(r"static const (?:[\w:<>*, ]+?) (\w+) = (.+)", s)
            if c:
                fields[c.group(1)] = _eval(c.group(2), {k: v for k, v in fields.items()
                                                        if isinstance(v, (int, float, bool))})
        out[m.group(1)] = fields
    return out


# ---- the top function ------------------------------------------------------------------------------
_CALL = re.compile(r"nnet::(\w+)\s*<(?P<targs>(?:[^<>;]|<(?:[^<>;]|<[^<>;]*>)*>)*)>\s*\((?P<args>[^;]*)\)\s*;"
                   r"[ \t]*(?://[ \t]*(?P<name>[\w.\-/]+))?")
_NOT_LAYERS = ("load_weights_from_txt", "load_exp_table", "load_invert_table", "init_exp_table",
               "init_invert_table")


def _split_args(text: str) -> list:
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch in "<(") - (ch in ">)")
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return out + ([cur.strip()] if cur.strip() else [])


@dataclass
class FwLayer:
    """One layer as the firmware instantiates it."""
    name: str                 # the Keras layer name (hls4ml's trailing comment)
    function: str             # nnet function: conv_2d_cl, dense, relu, pooling2d_cl, ...
    config_name: str          # its config struct (csynth instance names carry it: ..._config5_U0)
    config: dict              # its config struct: field -> value; typedefs resolved to HlsType
    input_type: HlsType | None
    output_type: HlsType | None
    inputs: list              # variable names read
    output: str               # variable written
    weights: dict = field(default_factory=dict)   # call argument name -> flat np.ndarray (as written)
    mult_config: dict | None = None               # the per-position dense kernel of a convolution
    fifo_depth: int | None = None                 # io_stream: depth of the output FIFO
    also_writes: list = field(default_factory=list)  # further outputs (clone_stream's copies)

    def get(self, key, default=None):
        v = self.config.get(key)
        return default if v is None else v

    @property
    def strategy(self) -> str:
        s = str(self.get("strategy", (self.mult_config or {}).get("strategy") or "latency")).lower()
        return "resource" if s.startswith("resource") else "latency"

    @property
    def reuse_factor(self) -> int:
        return int(self.get("reuse_factor", 1))

    def typed(self, key) -> HlsType | None:
        v = self.config.get(key)
        if isinstance(v, HlsType):
            return v
        m = self.mult_config or {}
        return m.get(key) if isinstance(m.get(key), HlsType) else None

    def kernel(self, n_in: int, n_out: int):
        """(weights (n_in, n_out), bias (n_out,) or None) as written, in the order the dense kernel
        indexes them: hls4ml writes the Resource strategy's weights transposed, (n_out, n_in)
        (ApplyResourceStrategy: Dense, Conv1D/2D and their pointwise parts; a depthwise kernel, one
        filter per channel, keeps its (window, channel) order). KeyError if absent."""
        w_name = next((k for k in self.weights if k.startswith("w")), None)
        b_name = next((k for k in self.weights if k.startswith("b")), None)
        if w_name is None:
            raise KeyError(f"{self.name}: no weights")
        w = np.asarray(self.weights[w_name])
        if w.size != n_in * n_out:
            raise KeyError(f"{self.name}: {w.size} weights for {n_in} x {n_out}")
        transposed = self.strategy == "resource" and not self.function.startswith("depthwise")
        w = w.reshape(n_out, n_in).T if transposed else w.reshape(n_in, n_out)
        return w, (np.asarray(self.weights[b_name]) if b_name else None)


@dataclass
class Project:
    path: Path
    top: str
    part: str
    clock_period_ns: float
    io_type: str
    backend: str
    layers: list
    output_names: set         # layers whose output is a port of the top function
    dataflow: bool = False    # the top is a DATAFLOW region (layers are processes), else one PIPELINE


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError as e:
        raise ProjectError(f"cannot read {path}: {e.strerror}") from None


def _settings(root: Path) -> dict:
    """part, clock, backend, io_type from project.tcl / build_prj.tcl / hls4ml_config.yml."""
    out = {}
    for name in ("project.tcl", "build_prj.tcl"):
        p = root / name
        if not p.exists():
            continue
        t = _read(p)
        for key, pattern in (("part", r'set part "?\{?([\w\-]+)'), ("part", r"set_part\s+\{?([\w\-]+)"),
                             ("clock", r"set clock_period\s+([\d.]+)"),
                             ("clock", r"create_clock -period\s+([\d.]+)"),
                             ("backend", r'set backend "?(\w+)'), ("top", r'set project_name "?(\w+)')):
            m = re.search(pattern, t)
            if m and key not in out:
                out[key] = m.group(1)
    cfg = root / "hls4ml_config.yml"
    if cfg.exists():
        import yaml

        try:
            y = yaml.safe_load(_read(cfg)) or {}
        except yaml.YAMLError:
            y = {}
        if isinstance(y, dict):
            for key, ykey in (("part", "Part"), ("clock", "ClockPeriod"), ("backend", "Backend"),
                              ("io_type", "IOType"), ("top", "ProjectName")):
                if y.get(ykey) is not None:
                    out.setdefault(key, str(y[ykey]))
    return out


def project_settings(path) -> dict:
    """{top, part, clock, backend, io_type} as the project at `path` states them (absent keys left out)."""
    return _settings(Path(path))


def _weights(firmware: Path, name: str) -> np.ndarray | None:
    """A weight array from weights/<name>.txt (or its .h), beside the firmware or inside it."""
    for folder in (firmware / "weights", firmware.parent / "weights"):
        txt, h = folder / f"{name}.txt", folder / f"{name}.h"
        if txt.exists():
            return np.array([float(v) for v in re.split(r"[,\s]+", _read(txt)) if v], dtype=np.float64)
        m = re.search(r"\{([^{}]*)\}", _read(h)) if h.exists() else None
        if m:
            return np.array([float(v) for v in re.split(r"[,\s]+", m.group(1)) if v], dtype=np.float64)
    return None


def _resolve(fields: dict, typedefs: dict) -> dict:
    return {k: (parse_type(v[1], typedefs) if isinstance(v, tuple) and v[0] == "type" else v)
            for k, v in fields.items()}


def read_project(path) -> Project:
    """The layers of the hls4ml project at `path` (its directory, holding firmware/)."""
    root = Path(path)
    firmware = root / "firmware"
    if not (firmware / "parameters.h").exists():
        raise ProjectError(f"{root} is not an hls4ml project: no firmware/parameters.h; pass the directory "
                           f"hls4ml wrote (the one holding firmware/ and project.tcl)")
    settings = _settings(root)
    top = settings.get("top")
    if not top or not (firmware / f"{top}.cpp").exists():
        tops = [p for p in firmware.glob("*.cpp") if "nnet::" in _read(p) and "bridge" not in p.name]
        if not tops:
            raise ProjectError(f"{firmware} has no top-level .cpp calling nnet:: layers")
        top = tops[0].stem
    cpp, params = _strip_block(_read(firmware / f"{top}.cpp")), _read(firmware / "parameters.h")
    defines = _read(firmware / "defines.h") if (firmware / "defines.h").exists() else ""
    typedefs = {**_typedefs(_strip_comments(defines)), **_typedefs(_strip_comments(params))}
    structs = _structs(_strip_comments(params))
    depths = {m.group(1): int(m.group(2)) for m in
              re.finditer(r"#pragma HLS STREAM variable=(\w+) depth=(\d+)", cpp)}
    aliases = {m.group(1): m.group(2) for m in re.finditer(r"auto&\s*(\w+)\s*=\s*(\w+)\s*;", cpp)}
    signature = cpp[:cpp.find("{")] if "{" in cpp else ""
    io_type = settings.get("io_type") or ("io_stream" if "hls::stream" in signature else "io_parallel")
    layers = []
    for m in _CALL.finditer(cpp):
        function = m.group(1)
        if function in _NOT_LAYERS:
            continue
        targs, args = _split_args(m.group("targs")), _split_args(m.group("args"))
        config_name = next((a for a in reversed(targs) if a in structs), None)
        config = _resolve(structs.get(config_name, {}), typedefs)
        mult = config.get("mult_config")
        mult_config = _resolve(structs[mult], typedefs) if isinstance(mult, str) and mult in structs else None
        if isinstance(mult, HlsType) or (mult_config is None and f"{config_name}_mult" in structs):
            mult_config = _resolve(structs[f"{config_name}_mult"], typedefs)
        data_types = [a for a in targs if a not in structs and not a.strip().isdigit()]  # not sizes (repack_stream<in, out, N>)
        variables = [aliases.get(a, a) for a in args]
        n_out = 2 if function.startswith("clone_stream") else 1
        n_in = max(1, len(data_types) - 1) if not function.startswith("clone_stream") else 1
        weights = {a: w for a in args[n_in + n_out:] if (w := _weights(firmware, a)) is not None}
        out_var = variables[n_in] if len(variables) > n_in else ""
        layers.append(FwLayer(
            name=m.group("name") or f"{function}_{len(layers)}", function=function,
            config_name=config_name or "", config=config,
            input_type=parse_type(data_types[0], typedefs) if data_types else None,
            output_type=parse_type(data_types[-1], typedefs) if len(data_types) > 1 else None,
            inputs=variables[:n_in], output=out_var, weights=weights, mult_config=mult_config,
            fifo_depth=depths.get(out_var), also_writes=variables[n_in + 1:n_in + n_out]))
    if not layers:
        raise ProjectError(f"{firmware / (top + '.cpp')} calls no nnet:: layer functions")
    read = {v for layer in layers for v in layer.inputs}
    outputs = {layer.name for layer in layers if layer.output not in read}  # the top's outputs
    clock = settings.get("clock")
    return Project(root, top, settings.get("part", ""), float(clock) if clock else math.nan, io_type,
                   str(settings.get("backend", "vivado")).lower(), layers, outputs,
                   bool(re.search(r"#pragma HLS DATAFLOW", cpp)))


def _strip_block(cpp: str) -> str:
    """The top function's body without the `#ifndef __SYNTHESIS__` weight loading (not synthesized)."""
    return re.sub(r"#ifndef __SYNTHESIS__.*?#endif", "", cpp, flags=re.S)
