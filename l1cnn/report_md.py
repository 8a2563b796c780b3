"""report.md: the summary.json of one model, rendered for people."""

VARIANT_LABELS = {"keras_float": "float (Keras)", "keras_qat": "quantized (QKeras)",
                  "keras_pruned": "quantized+pruned (QKeras)", "csim_pruned": "quantized+pruned (firmware C-sim)",
                  "csim_float": "float (firmware C-sim, ap_fixed<16,6>)"}


def _f(x, nd=4):
    return "n/a" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_f(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(s: dict) -> str:
    ds, cs, cf = s["dataset"], s["csim"], s["csim_float"]
    perf_rows = [[f"{VARIANT_LABELS[k]} `{k}`", v["auc"], v["rejection_at_30pct"], v["accuracy"]]
                 for k, v in s["performance"].items()]
    perf_rows += [[f"baseline: {k}", v["auc"], v["rejection_at_30pct"], None] for k, v in s["baselines"].items()]
    layer_rows = [[r["name"], r["weight_type"], r["bias_type"], r["accum_type"], r["result_type"],
                   r["n_weights"], r["sparsity"]] for r in s["layers"]]
    syn = s["synthesis"]
    synth_txt = (f"Vendor tool `{syn['vendor_tool']}` ran; reports are in the firmware projects."
                 if syn.get("vendor_tool") else f"No vendor figures: {syn.get('message', '')}")
    verdict = "**bit-exact on every test sample**" if cs["bit_exact_fraction"] == 1.0 else (
        f"**NOT bit-exact**: {cs['n_mismatched']} samples differ; first diverging layer "
        f"`{cs.get('first_mismatch_layer')}` ({cs.get('diagnosis')})")
    return f"""# {s['model']}: report

{s['description']}

## Data set
- generator `{ds['generator']}`, seed {ds['seed']}, {ds['n_per_class']} examples per class ({', '.join(s['classes'])})
- split (fixed by the seed): {ds['n_train']} train / {ds['n_val']} validation / {ds['n_test']} test
- network input: grid `{ds['input_grid']}`, ET word LSB {ds['et_lsb_gev']} GeV read as `{ds['input_format']}`
- file: `{ds['file']}`

## Physics performance on the test set
Signal = `{s['classes'][1]}`; rejection = 1 / background efficiency at 30% signal efficiency.

{_table(['variant', 'AUC', 'rejection @ 30%', 'accuracy'], perf_rows)}

AUC lost from the float baseline to the quantized+pruned firmware: {s['auc_drop_vs_float']:.4f}.

![ROC curves](roc.png)

## Layers: firmware types and sparsity
Target sparsity {s['sparsity']['target']:.0%}, reached {s['sparsity']['overall']:.1%}
({s['sparsity']['n_zero_weights']} of {s['sparsity']['n_weights']} quantized weights are zero).

{_table(['layer', 'weight', 'bias', 'accumulator', 'result', 'weights', 'sparsity'], layer_rows)}

## C simulation against QKeras
Quantized+pruned firmware vs QKeras on the same quantized inputs: {verdict}.

| figure | quantized+pruned | float baseline (ap_fixed<16,6>) |
|---|---|---|
| n_samples | {cs['n_samples']} | {cf['n_samples']} |
| bit_exact_fraction | {cs['bit_exact_fraction']:.6f} | {cf['bit_exact_fraction']:.6f} |
| argmax_agreement | {cs['argmax_agreement']:.6f} | {cf['argmax_agreement']:.6f} |
| max_abs_diff | {cs['max_abs_diff']:.6g} | {cf['max_abs_diff']:.6g} |

## Firmware
- project: `{s['firmware']['project']}` (float baseline: `{s['firmware']['float_project']}`)
- hls4ml settings: backend {s['firmware']['hls']['backend']}, part `{s['firmware']['hls']['part']}`,
  clock {s['firmware']['hls']['clock_period_ns']} ns, {s['firmware']['hls']['io_type']},
  strategy {s['firmware']['hls']['strategy']}, reuse factor {s['firmware']['hls']['reuse_factor']}
- synthesis: {synth_txt}
"""
