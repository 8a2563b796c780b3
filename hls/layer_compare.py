"""Per-layer figures of a vendor report beside the estimate's, for one hls4ml project.

hls4ml names every layer's HLS instance after the nnet function, the types and the layer's config
struct ('conv_2d_cl_array_..._config2_U0', 'grp_dense_latency_..._config5_s_fu_123'), and an io_stream
layer's output FIFO after its index ('layer2_out_U'): rows are matched to a layer by those names,
whatever the tool version. Sources: C synthesis instances ('csynth'), Vivado's hierarchical
utilization after synthesis ('vivado_synth') and after implementation ('vivado_impl').
"""
from __future__ import annotations

import re

FIGURES = ("lut", "ff", "dsp")
_COLUMN = {"lut": "LUT", "ff": "FF", "dsp": "DSP"}
SOURCES = {"csynth": ("instances",), "vivado_synth": ("post_synthesis", "instances"),
           "vivado_impl": ("post_implementation", "instances")}


def rows_of_layer(rows, config_name):
    """The report rows of the layer whose config struct is `config_name` (e.g. 'config2'): its
    process or function instance, and its io_stream output FIFO."""
    if not config_name:
        return []
    index = re.sub(r"\D", "", config_name)
    pattern = re.compile(rf"(?:^|_){re.escape(config_name)}(?:_|$)" + (rf"|^layer{index}_out(?:_|$)" if index else ""))
    return [r for r in rows if pattern.search(str(r.get("instance", "")))]


def _rows(report, path):
    node = report
    for key in path:
        node = (node or {}).get(key)
    return node or []


def compare_layers(estimate: dict, report: dict | None) -> list:
    """[{layer, function, config, estimate: {lut, ff, dsp, latency_cycles, ii_cycles}, csynth|vivado_synth|
    vivado_impl: {lut, ff, dsp[, latency_cycles, ii_cycles]}}] for each layer of the estimate that has a
    config struct; a source appears only where the report has rows of that layer."""
    out = []
    for layer in estimate["layers"]:
        if not layer["config"]:
            continue
        entry = {"layer": layer["name"], "function": layer["function"], "config": layer["config"],
                 "estimate": {f: layer[f] for f in (*FIGURES, "latency_cycles", "ii_cycles")}}
        for source, path in SOURCES.items():
            found = rows_of_layer(_rows(report, path), layer["config"]) if report else []
            if not found:
                continue
            entry[source] = {f: sum(int(r.get(_COLUMN[f]) or 0) for r in found) for f in FIGURES}
            if source == "csynth":  # the process's own latency and interval
                entry[source].update(latency_cycles=max((r.get("latency_max_cycles") or 0) for r in found),
                                     ii_cycles=max((r.get("interval_max_cycles") or 0) for r in found))
        out.append(entry)
    return out
