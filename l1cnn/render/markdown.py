"""report.md: the summary.json of one model, rendered for people."""

from hls.convert import FLOAT_DEFAULT_PRECISION
from hls.vendor_reports import used

VARIANT_LABELS = {"keras_float": "float (Keras)", "keras_qat": "quantized (QKeras)",
                  "keras_pruned": "quantized+pruned (QKeras)", "csim_pruned": "quantized+pruned (firmware C-sim)",
                  "csim_qat": "quantized (firmware C-sim)",
                  "csim_float": f"float (firmware C-sim, {FLOAT_DEFAULT_PRECISION})"}


def _f(x, nd=4):
    if x is None:
        return "n/a"
    if isinstance(x, bool):
        return "yes" if x else "**no**"
    return f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_f(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _performance(s):
    perf, classes = s["performance"], s["classes"]
    if len(classes) == 2:
        rows = [[f"{VARIANT_LABELS[k]} `{k}`", v["auc"], v["rejection_at_30pct"], v["accuracy"]] for k, v in perf.items()]
        rows += [[f"baseline: {k}", v["auc"], v.get("rejection_at_30pct"), None] for k, v in s["baselines"].items()]
        return (f"Signal = `{classes[1]}`; rejection = 1 / background efficiency at 30% signal efficiency.\n\n"
                + _table(["variant", "AUC", "rejection @ 30%", "accuracy"], rows)
                + f"\n\nAUC lost from the float baseline to the quantized+pruned firmware: {s['auc_drop_vs_float']:.4f}."
                + "\n\n![ROC curves](roc.png)")
    pairs = list(perf["csim_pruned"]["pair_auc"])
    rows = [[f"{VARIANT_LABELS[k]} `{k}`", v["accuracy"], v["auc"], *[v["pair_auc"][p] for p in pairs]]
            for k, v in perf.items()]
    eff = [[c, *[perf[k]["efficiency"][c] for k in perf]] for c in classes]
    binned = []
    for pair, entry in perf["csim_pruned"]["pair_auc_binned"].items():
        bins = list(entry["auc"])
        if not bins:  # too few examples of the pair in every bin
            continue
        binned.append(f"{pair} AUC in bins of {entry['feature']} (GeV):\n\n" + _table(
            ["variant", *bins], [[VARIANT_LABELS[k], *[perf[k]["pair_auc_binned"][pair]["auc"].get(b) for b in bins]]
                                 for k in perf]
            + [[f"baseline: {n}", *[v["auc_binned"]["auc"].get(b) for b in bins]]
               for n, v in s["baselines"].items() if "auc_binned" in v and v["pair"] == pair]))
    plots = "\n".join(f"![{p}]({p})" for p in s.get("plots", []))
    return ("Pair AUCs score one class against another with the logit difference, on the examples of the two "
            "classes; `auc` is the one-vs-rest AUC averaged over classes.\n\n"
            + _table(["variant", "accuracy", "auc", *pairs], rows)
            + f"\n\nAccuracy lost from the float baseline to the quantized+pruned firmware: "
              f"{s['accuracy_drop_vs_float']:.4f}.\n\nEfficiency (fraction of each true class labelled correctly):\n\n"
            + _table(["class", *perf], eff) + "\n\n" + "\n\n".join(binned) + "\n\n" + plots)


def _resources(s: dict) -> str:
    res = s.get("resources", {})
    if not res:
        return "No resource figures (run `make synth`)."
    ref = res.get("float", {})

    def factor(r, key):  # how many times less than the float baseline
        return None if not ref.get(key) or not r.get(key) else ref[key] / r[key]
    def timing_from(r):  # where latency and II came from, and the clock the ns are at
        src = r.get("sources") or {}
        said = "/".join(dict.fromkeys([src.get("latency", r["source"]), src.get("ii", r["source"])]))
        slow = r.get("achieved_period_ns") and r.get("period_ns") and r["period_ns"] > (r.get("target_period_ns") or 0)
        return said + (f" (ns at the achieved {r['period_ns']:g} ns clock)" if slow else "")
    rows = [[variant, r["source"], timing_from(r), r["latency_cycles"], r["latency_ns"], r["ii_cycles"], r["lut"],
             r["ff"], r["dsp"], r["bram_18k"], factor(r, "lut"), factor(r, "dsp")] for variant, r in res.items()]
    spans = [[variant] + [_span(r["intervals"].get(k)) for k in ("latency_cycles", "ii_cycles", "lut", "ff", "dsp",
                                                                   "bram_18k")]
             for variant, r in res.items() if r.get("intervals")]
    return ("Every figure carries its source: `estimate` is l1cnn's offline model of the hls4ml implementation "
            "(hls/estimate/), a tool name means the tool's own report. The last two columns are the reduction "
            "factors against the float baseline.\n\n"
            + _table(["variant", "resources from", "latency/II from", "latency (cycles)", "latency (ns)",
                      "II (cycles)", "LUT", "FF", "DSP", "BRAM_18K", "LUT float/x", "DSP float/x"], rows)
            + ("\n\nWhere the real figure has fallen, given the estimate (estimate/real over the real vendor reports "
               "of `make calibrate`, `reports/calibration/table.md`: " + _scope(s) + "):\n\n"
               + _table(["variant", "latency (cycles)", "II (cycles)", "LUT", "FF", "DSP", "BRAM_18K"], spans)
               if spans else "")
            + ("\n\n![per-layer resources and latency](resources.png)" if "resources.png" in s.get("plots", []) else ""))


def _scope(s) -> str:
    """Which calibration designs the intervals come from (hls/estimate/intervals.py says per figure)."""
    for res in (s.get("resources") or {}).values():
        for iv in (res.get("intervals") or {}).values():
            return iv.get("from", "the central 68%")
    return "the central 68%"


def _span(iv) -> str:
    return "-" if not iv else f"{iv['low']:,.0f} - {iv['high']:,.0f}"


def _verdict(s: dict) -> str:
    b = s.get("budget")
    if not b or not s.get("level1_verdict"):
        return ""
    out = [f"\n### Level-1 verdict\nBudget: latency <= {b['latency_ns']:g} ns, a new event every "
           f"{1000 / b['rate_mhz']:g} ns ({b['rate_mhz']:g} MHz), at most {b['resource_share']:.0%} of each resource."]
    for variant, v in s["level1_verdict"].items():
        rows = [[i["item"], i["value"], i.get("pessimistic"), i["limit"], i["unit"],
                 ("pass" if i.get("pass_pessimistic", i["pass"]) else "central value only") if i["pass"] else "**FAIL**",
                 i["margin"]] for i in v["items"]]
        word = v.get("verdict") or ("PASS" if v["pass"] else "FAIL")
        why = f" (decided by {', '.join(v['decided_by'])})" if v.get("decided_by") else ""
        sources = v.get("sources") or {"figures": v["source"]}
        said = f"{v['source']} figures" if len(set(sources.values())) == 1 else ", ".join(
            f"{'II' if k == 'ii' else k} from {src}" for k, src in sources.items())
        out.append(f"\n`{variant}` ({said}): **{word}**{why}\n\n"
                   + _table(["item", "value", "pessimistic end", "limit", "unit", "verdict", "margin"], rows))
    return "\n".join(out)


def _synthesis(syn: dict) -> str:
    if not syn.get("vendor_tool"):
        return f"No vendor figures: {syn.get('message', '')}"
    rows, timing = [], []
    for variant, rep in syn["variants"].items():
        res, post, impl = rep.get("resources"), rep.get("post_synthesis"), rep.get("post_implementation")
        cosim = rep.get("cosim") or {}
        rows.append([variant, rep["source"], rep["latency"]["max_cycles"], rep["interval"]["max_cycles"],
                     cosim.get("status"), (cosim.get("latency") or {}).get("max_cycles"),
                     (cosim.get("interval") or {}).get("max_cycles"),
                     *[used(res, k) for k in ("LUT", "FF", "DSP", "BRAM_18K")],
                     *[used(post, k) for k in ("LUT", "FF", "DSP")], *[used(impl, k) for k in ("LUT", "FF", "DSP")]])
        t = rep.get("timing")
        if t:
            timing.append([variant, t["stage"], t["clock"], t["target_period_ns"], t["wns_ns"], t["tns_ns"],
                           t["whs_ns"], t["achieved_period_ns"], t["achieved_frequency_mhz"],
                           "met" if t["constraints_met"] else "**not met**"])
    out = (f"vendor tool `{syn['vendor_tool']}`, steps {', '.join(syn.get('steps') or ['csynth'])} (figures from "
           "their reports: C synthesis, co-simulation (`cosim`), Vivado post-synthesis (`synth`) and post-route "
           "(`impl`) utilization):\n\n"
           + _table(["variant", "HLS", "latency (cycles)", "II", "cosim", "cosim latency", "cosim II", "csynth LUT",
                     "csynth FF", "csynth DSP", "csynth BRAM_18K", "synth LUT", "synth FF", "synth DSP", "impl LUT",
                     "impl FF", "impl DSP"], rows))
    if timing:
        out += ("\n\nVivado timing (`report_timing_summary`; achieved period = target - WNS):\n\n"
                + _table(["variant", "after", "clock", "target (ns)", "WNS (ns)", "TNS (ns)", "WHS (ns)",
                          "achieved (ns)", "achieved (MHz)", "constraints"], timing))
    return out


def _per_layer(s: dict) -> str:
    """The estimate's per-layer figures beside each vendor source's, for every variant the vendor ran."""
    out = []
    for variant, rows in (s.get("per_layer") or {}).items():
        sources = [src for src in ("csynth", "vivado_synth", "vivado_impl") if any(src in r for r in rows)]
        if not sources:
            continue
        header = ["layer", "function", "estimate LUT", "estimate FF", "estimate DSP"]
        for src in sources:
            header += [f"{src.replace('_', '-')} {f}" for f in ("LUT", "FF", "DSP")]
        table = []
        for r in rows:
            line = [r["layer"], r["function"], *[round(r["estimate"][f]) for f in ("lut", "ff", "dsp")]]
            for src in sources:
                line += [(r.get(src) or {}).get(f) for f in ("lut", "ff", "dsp")]
            table.append(line)
        out.append(f"\n`{variant}`:\n\n" + _table(header, table))
    if not out:
        return ""
    cal = (s.get("per_layer_calibration") or {}).get("vivado_synth") or {}
    off = ("" if not cal else " On the real per-layer Vivado rows of the calibration designs (`make calibrate`), a "
           "layer's estimate has been off by a median of " + ", ".join(
               f"{st['median_abs_error']:.0%} in {f.upper()}" for f, st in cal.items()) +
           f" ({next(iter(cal.values()))['n_layers']} layers of {next(iter(cal.values()))['n_designs']} designs; "
           "the totals are closer, see the intervals above).")
    return ("\n### Per layer: estimate beside the vendor reports\nRows matched by hls4ml's instance names "
            "(the layer's config struct; an io_stream layer's output FIFO counts with it). `csynth` is C synthesis' "
            "own estimate per instance; `vivado-synth`/`vivado-impl` are Vivado's hierarchical utilization after "
            "synthesis/routing; n/a is a layer the report has no row for (inlined into another)." + off + "\n"
            + "\n".join(out))


def _rtl(s: dict) -> str:
    rtl = s.get("rtl") or {}
    if rtl.get("status") != "done":
        return rtl.get("message", "The open RTL flow has not run (`make rtl`).")
    sims, counts, lines = [], [], []
    res = s.get("resources", {})
    for variant, r in rtl["variants"].items():
        n = r["keras"]["n_samples"]
        same = lambda k: f"{n - r[k]['n_mismatched']}/{n}"  # noqa: E731
        d = r["design"]
        sims.append([variant, same("keras"), same("csim"), same("emulator"), d["latency_cycles"], f"{r['latency_ns']:g}",
                     f"{d['stage_delay_ns']:g}", d["register_bits"]])
        if r.get("diagnosis"):
            lines.append(f"- `{variant}` differs first in {r['diagnosis']['where']}.")
        hls = res.get(variant, {})
        syn = r.get("synthesis")
        c = syn["counts"] if syn else {}
        counts.append([variant, "yosys" if syn else "-", c.get("lut_total"), c.get("lut_as_memory"), c.get("ff"),
                       c.get("dsp"), c.get("carry"), c.get("bram_18k"), round(d["alkaid_cost"]),
                       hls.get("source"), hls.get("lut"), hls.get("ff"), hls.get("dsp")])
        if syn:
            tool = syn["tool"]
            cmd = syn["command"]
    text = ("Each bit-exact firmware variant traced layer by layer into logic (alkaid), written as pipelined Verilog "
            "(one sample per clock, II 1), simulated with Verilator on every test sample:\n\n"
            + _table(["variant", "identical to QKeras", "to C simulation", "to emulator", "latency (cycles)",
                      "latency (ns)", "logic per stage (ns)", "register bits"], sims))
    if lines:
        text += "\n\n" + "\n".join(lines)
    if any(row[1] == "yosys" for row in counts):
        text += (f"\n\nNetlist counts from `{tool}` (`{cmd}`) beside alkaid's own cost estimate of the logic and "
                 "the HLS firmware's figures (their source named):\n\n"
                 + _table(["variant", "source", "LUT", "of which LUT as memory", "FF", "DSP", "carry", "BRAM_18K",
                           "alkaid cost", "HLS source", "HLS LUT", "HLS FF", "HLS DSP"], counts)
                 + "\n\nThe Yosys figures count cells of a real netlist; Vivado maps differently, and there is no "
                   "placement, routing or timing analysis: the latency is the pipeline's cycle count at the target "
                   "clock, not a timing-closed figure.")
    return text


def render(s: dict) -> str:
    ds, cs, cq, cf = s["dataset"], s["csim"], s["csim_qat"], s["csim_float"]
    layer_rows = [[r["name"], r["weight_type"], r["bias_type"], r["accum_type"], r["result_type"],
                   r["n_weights"], r["sparsity"]] for r in s["layers"]]
    cmp_rows = [[r["baseline"], r["baseline_auc"], r["cnn_auc"], r["cnn_better"]] for r in s["baseline_comparison"]]
    syn = s["synthesis"]
    synth_txt = _synthesis(syn)
    verdict = "**bit-exact on every test sample**" if cs["bit_exact_fraction"] == 1.0 else (
        f"**NOT bit-exact**: {cs['n_mismatched']} samples differ; first diverging layer "
        f"`{cs.get('first_mismatch_layer')}` ({cs.get('diagnosis')})")
    energy = f", energies uniform in {ds['energy_gev'][0]:g}-{ds['energy_gev'][1]:g} GeV" if "energy_gev" in ds else ""
    validation = ""
    if s.get("simulation_validation"):
        validation = ("\n## Simulation validation\nFixed-energy samples against the numbers a correct simulation "
                      "reproduces (targets: shared/notes/physics-data.md).\n\n"
                      + _table(["quantity", "target", "this simulation"],
                               [[r["quantity"], r["target"], r["measured_text"]] for r in s["simulation_validation"]])
                      + "\n")
    return f"""# {s['model']}: report

{s['description']}

## Data set
- generator `{ds['generator']}`, seed {ds['seed']}, {ds['n_per_class']} examples per class ({', '.join(s['classes'])}){energy}
- split (fixed by the seed): {ds['n_train']} train / {ds['n_val']} validation / {ds['n_test']} test
- network input: image `{ds['input_image']}`, energy word LSB {ds['lsb_gev']} GeV read as `{ds['input_format']}`
- file: `{ds['file']}`
{validation}
## Physics performance on the test set
{_performance(s)}

### The quantized+pruned firmware against single-variable discriminants

{_table(['baseline', 'baseline AUC', 'firmware CNN AUC', 'CNN better'], cmp_rows)}

## Layers: firmware types and sparsity
Target sparsity {s['sparsity']['target']:.0%}, reached {s['sparsity']['overall']:.1%}
({s['sparsity']['n_zero_weights']} of {s['sparsity']['n_weights']} quantized weights are zero).

{_table(['layer', 'weight', 'bias', 'accumulator', 'result', 'weights', 'sparsity'], layer_rows)}

## C simulation against QKeras
Quantized+pruned firmware vs QKeras on the same quantized inputs: {verdict}.

| figure | quantized+pruned | quantized (before pruning) | float baseline ({FLOAT_DEFAULT_PRECISION}) |
|---|---|---|---|
| n_samples | {cs['n_samples']} | {cq['n_samples']} | {cf['n_samples']} |
| bit_exact_fraction | {cs['bit_exact_fraction']:.6f} | {cq['bit_exact_fraction']:.6f} | {cf['bit_exact_fraction']:.6f} |
| argmax_agreement | {cs['argmax_agreement']:.6f} | {cq['argmax_agreement']:.6f} | {cf['argmax_agreement']:.6f} |
| max_abs_diff | {cs['max_abs_diff']:.6g} | {cq['max_abs_diff']:.6g} | {cf['max_abs_diff']:.6g} |

## Firmware
- project: `{s['firmware']['project']}` (float baseline: `{s['firmware']['float_project']}`)
- hls4ml settings: backend {s['firmware']['hls']['backend']}, part `{s['firmware']['hls']['part']}`,
  clock {s['firmware']['hls']['clock_period_ns']} ns, {s['firmware']['hls']['io_type']},
  strategy {s['firmware']['hls']['strategy']}, reuse factor {s['firmware']['hls']['reuse_factor']}

## Resources and latency
{_resources(s)}
{_verdict(s)}

## Synthesis
{synth_txt}
{_per_layer(s)}

## Open RTL flow (no vendor tool)
{_rtl(s)}
"""


def render_index(reports_dir) -> str:
    """reports/index.md: every model's headline figures side by side."""
    import json
    from pathlib import Path

    rows, skipped = [], []
    for f in sorted(Path(reports_dir).glob("*/summary.json")):
        try:
            s = json.loads(f.read_text())
            s["performance"]["csim_pruned"], s["csim"]["bit_exact_fraction"]
        except (OSError, ValueError, KeyError, TypeError):
            skipped.append(f.parent.name)  # another model's unreadable or older summary: named, not fatal
            continue
        fw, res = s["performance"]["csim_pruned"], s.get("resources", {}).get("pruned", {})
        v = s.get("level1_verdict", {}).get("pruned", {})
        rows.append([f"[{s['model']}]({s['model']}/report.md)", len(s["classes"]), s["dataset"]["n_test"],
                     fw["auc"], fw["accuracy"], s["auc_drop_vs_float"], s["csim"]["bit_exact_fraction"],
                     s["sparsity"]["overall"], res.get("latency_ns"), res.get("ii_cycles"), res.get("lut"),
                     res.get("dsp"), res.get("source"), (v.get("verdict") or ("PASS" if v.get("pass") else "FAIL")) if v else None])
    return ("# l1cnn models\n\nThe quantized+pruned firmware of every model (figures of its C simulation on the "
            "test set; resources with their source).\n\n"
            + _table(["model", "classes", "test examples", "AUC", "accuracy", "AUC lost vs float", "bit-exact",
                      "sparsity", "latency (ns)", "II (cycles)", "LUT", "DSP", "resource source", "Level-1 verdict"],
                     rows) + "\n"
            + (f"\nNot shown (summary.json unreadable or from an older l1cnn; run `make report MODEL=...`): "
               f"{', '.join(skipped)}\n" if skipped else ""))
