"""`l1cnn calibrate`: how far the offline estimate is from real vendor reports.

Every design of shared/fixtures/hls_reports/ (hls/estimate/calibration.py) is estimated from the
hls4ml project its reports were made from and compared per figure and per layer. Written:
reports/calibration/{calibration.json, table.md} (every design, every layer) and, with --update,
hls/estimate/calibration.json: the per-figure medians and estimate/real quantiles the estimator
turns into the interval of every figure it gives.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from tqdm import tqdm

from common.atomic import write_json, write_text
from l1cnn.errors import UserError

LABELS = {"lut": "LUT", "ff": "FF", "dsp": "DSP", "bram_18k": "BRAM_18K", "latency": "latency", "ii": "II"}


def _cell(fig: dict) -> str:
    if fig["real"] is None:
        return "-"
    err = "" if fig["error"] is None else f" ({fig['error']:+.0%})"
    return f"{fig['estimate']:,} / {fig['real']:,}{err}"


def table(results: list, summary: dict) -> str:
    from hls.estimate.calibration import FIGURES

    head = "| design | io / strategy | " + " | ".join(f"{LABELS[f]} est / real" for f in FIGURES) + " |"
    lines = [head, "|" + "---|" * (len(FIGURES) + 2)]
    for r in results:
        lines.append(f"| {r['design']} | {r['io_type']} / {r['strategy']} | "
                     + " | ".join(_cell(r["figures"][f]) for f in FIGURES) + " |")
    lines.append("| **median abs error** | | " + " | ".join(
        f"**{summary[f]['median_abs_error']:.1%}**" if f in summary else "-" for f in FIGURES) + " |")
    lines.append("| largest abs error | | " + " | ".join(
        f"{summary[f]['max_abs_error']:.1%}" if f in summary else "-" for f in FIGURES) + " |")
    sources = sorted({f"{LABELS[f]}: {r['figures'][f]['source']}" for r in results for f in FIGURES})
    notes = [f"- {r['design']}: {r['note']}" for r in results if r["note"]]
    return ("\n".join(lines) + "\n\nReal figures: resources from Vivado post-synthesis where the design has it "
            "(else C synthesis), latency and II from C synthesis (" + "; ".join(sources) + ").\n"
            + ("\n" + "\n".join(notes) + "\n" if notes else ""))


def fit_text(fitted: dict) -> str:
    """How well the FIT coefficients generalize: each design estimated with coefficients fitted to the others."""
    lines = ["", "Leave one design out (the FIT coefficients of hls/estimate/coefficients.py refitted without it):", ""]
    for kind, f in fitted.items():
        lines.append(f"- {kind.upper()}: median |error| {f['leave_one_out_median_abs_error']:.1%} (in sample "
                     f"{f['in_sample_median_abs_error']:.1%}), largest {f['leave_one_out_max_abs_error']:.1%}")
    return "\n".join(lines) + "\n"


def layer_text(per_layer: dict) -> str:
    """The per-layer comparison in one table: per source of real per-layer rows, per figure."""
    names = {"csynth": "C synthesis instances", "vivado_synth": "Vivado post-synthesis (hierarchical)",
             "vivado_impl": "Vivado post-route (hierarchical)"}
    lines = ["", "Per layer (each layer's estimate against the real row of that layer, matched by hls4ml's "
                 "instance names):", "", "| real rows | figure | layers (designs) | median abs error | largest | "
                                          "median est/real |", "|---|---|---|---|---|---|"]
    for source, figs in per_layer.items():
        for fig, st in figs.items():
            lines.append(f"| {names[source]} | {LABELS[fig]} | {st['n_layers']} ({st['n_designs']}) | "
                         f"{st['median_abs_error']:.1%} | {st['max_abs_error']:.1%} | {st['ratio_median']:.2f} |")
    return "\n".join(lines) + "\n"


def run(fixtures: Path, external: Path) -> tuple:
    from hls.estimate.calibration import compare, designs, summarize

    found = designs(fixtures)
    if not found:
        raise UserError(f"no calibration designs under {fixtures}: expected folders with reports/ and model/")
    with tempfile.TemporaryDirectory(prefix="l1cnn-calibrate-") as tmp:
        results = [compare(d, Path(tmp), external) for d in tqdm(found, unit="design", desc="calibration")]
    return results, summarize(results)


def main(args) -> int:
    fixtures, external = Path(args.fixtures), Path(args.external)
    for path, flag in ((fixtures, "--fixtures"), (external, "--external")):
        if not path.is_dir():
            raise UserError(f"{flag} {path} is not a directory")
    results, summary = run(fixtures, external)
    from hls.estimate.calibration import fit

    from hls.estimate.calibration import summarize_layers

    fitted, per_layer = fit(results), summarize_layers(results)
    out = Path(args.out)
    write_json(out / "calibration.json", {"summary": summary, "per_layer": per_layer, "fit": fitted,
                                          "designs": results})
    text = table(results, summary) + layer_text(per_layer) + fit_text(fitted)
    write_text(out / "table.md", text)
    if args.update:
        from hls.estimate.intervals import CALIBRATION_FILE

        write_json(CALIBRATION_FILE, {"summary": summary, "per_layer": per_layer, "designs": {
            r["design"]: {f: v["error"] for f, v in r["figures"].items()} for r in results}})
    print(text, end="")
    if args.fit:
        for kind, f in fitted.items():
            print(f"{kind}: refit " + ", ".join(f"{k} = {v:.3g}" for k, v in f["coefficients"].items()))
    return 0
