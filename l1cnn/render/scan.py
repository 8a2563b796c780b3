"""A design-space scan for people: the Pareto plots (classifier figure against a cost, budget line
drawn, passing points marked) and scan.md (the front as a table, the best point, the time per point)."""

from l1cnn.render.markdown import _table
from l1cnn.render.plots import _save, plt

MARKERS = {"PASS": ("tab:green", "o", "passes the budget"),
           "MARGINAL": ("tab:orange", "s", "marginal (fits centrally, not at the interval's end)"),
           "FAIL": ("tab:red", "x", "fails the budget")}
SOURCE_NOTE = "costs: l1cnn estimate (calibrated intervals); classifier figure: bit-exact firmware emulation"


def _front_2d(points, metric, cost):
    """The points no other point beats on both the metric (higher) and the cost (lower), by cost."""
    pts = sorted(points, key=lambda p: (p["figures"][cost], -p["figures"][metric]))
    front, best = [], float("-inf")
    for p in pts:
        if p["figures"][metric] > best:
            front.append(p)
            best = p["figures"][metric]
    return front


def pareto_plot(path, summary: dict, cost: str, label: str) -> None:
    metric = summary["metric"]
    done = [p for p in summary["points"] if p["status"] == "done" and p["figures"][cost] is not None]
    fig, ax = plt.subplots(figsize=(6.4, 4.6), dpi=110)
    for verdict, (color, marker, text) in MARKERS.items():
        pts = [p for p in done if p["verdict"] == verdict]
        if pts:
            ax.scatter([p["figures"][cost] for p in pts], [p["figures"][metric] for p in pts], c=color,
                       marker=marker, s=28, label=f"{text} ({len(pts)})", zorder=3)
    front = _front_2d(done, metric, cost)
    if front:
        ax.step([p["figures"][cost] for p in front], [p["figures"][metric] for p in front], where="post",
                color="black", lw=1, alpha=0.6, label="Pareto front", zorder=2)
    ref = summary.get("reference")
    if ref and ref["status"] == "done":
        ax.scatter([ref["figures"][cost]], [ref["figures"][metric]], marker="*", s=150, c="tab:blue",
                   edgecolors="black", lw=0.5, label="the model's own config (same schedule)", zorder=5)
    finals = [p for p in summary.get("finalists") or [] if p["status"] == "done"]
    if finals:
        ax.scatter([p["figures"][cost] for p in finals], [p["figures"][metric] for p in finals], marker="D", s=30,
                   facecolors="none", edgecolors="black", lw=1, label="finalists, the model's full schedule", zorder=4)
    best = next((p for p in done + finals if p["key"] == summary["best"]), None)
    if best is not None:
        ax.scatter([best["figures"][cost]], [best["figures"][metric]], s=160, facecolors="none",
                   edgecolors="black", lw=1.5, label="best passing point (best.yaml)", zorder=4)
    limit = summary["limits"][cost]
    share = f"{summary['budget']['resource_share']:.0%} of the part" if cost != "latency_ns" else "latency budget"
    ax.axvline(limit, color="tab:red", ls="--", lw=1, label=f"budget: {limit:,.0f} ({share})")
    xs = [p["figures"][cost] for p in done] + [limit]
    if cost != "latency_ns" and min(xs) > 0 and max(xs) / min(xs) > 30:
        ax.set_xscale("log")
    ax.set_xlabel(f"{label} (estimate)")
    ax.set_ylabel(f"{metric} (firmware, test set)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"{summary['model']}: {summary['n_done']} scan points, {metric} vs {label}\n{SOURCE_NOTE}",
                 fontsize=8)
    _save(fig, path)


def _params(p) -> str:
    return ", ".join(f"{k}={v}" for k, v in p["params"].items())


def scan_markdown(s: dict) -> str:
    metric, run = s["metric"], s["run"]
    by_key = {p["key"]: p for p in s["points"] + s["finalists"]}
    spp = s["seconds_per_point"]
    lines = [f"# Design-space scan of {s['model']}", "",
             f"{s['scan']['method']} over {', '.join(s['scan']['space'])}; objectives: "
             f"{', '.join(s['scan']['objectives'])}. {s['n_points']} points: {s['n_done']} done, {s['n_failed']} failed, "
             f"{s['n_pass']} pass the Level-1 budget (latency {s['budget']['latency_ns']:g} ns, "
             f"{s['budget']['rate_mhz']:g} MHz, {s['budget']['resource_share']:.0%} of the part).", "",
             f"Classifier figures are the firmware's (bit-exact emulator on the whole test set, checked against QKeras); "
             f"LUT/DSP/latency are l1cnn's offline estimate, PASS meaning the pessimistic end of every calibrated "
             f"interval fits. Points trained with the scan's schedule "
             f"(training {s['scan']['training'] or 'as the model'}, pruning {s['scan']['pruning'] or 'as the model'}).",
             "",
             f"Run: {run['where']}; {run['computed']} points computed, {run['reused']} reused from the store "
             f"({run['store']}); wall time {run['wall_s']:.0f} s. Time per point on its worker: median "
             f"{spp['median'] if spp['median'] is not None else 'n/a'} s (min {spp['min']}, max {spp['max']}).", ""]
    best = by_key.get(s["best"])
    if best:
        f = best["figures"]
        lines += ["## Best point that passes the budget", "",
                  f"`{best['key']}`: {_params(best)} -> {metric} {f[metric]:.4f}, LUT {f['lut']:,}, DSP {f['dsp']}, "
                  f"latency {f['latency_ns']:g} ns, chosen among the {s['best_from']}. Its complete config: "
                  f"`best.yaml` (`make all MODEL={run['out']}/best.yaml`).", ""]
    else:
        lines += ["## No point passes the budget", "", "best.yaml is not written.", ""]
    final = bool(s["finalists"])
    ref = s.get("final_reference") if final else s.get("reference")
    if ref and ref["status"] == "done":
        f = ref["figures"]
        lines += [f"## Reference: the model's own config, {'full' if final else 'the scan'} schedule", "",
                  f"`{ref['key']}` -> {metric} {f[metric]:.4f}, LUT {f['lut']:,}, DSP {f['dsp']}, latency "
                  f"{f['latency_ns']:g} ns, {ref['verdict']}."
                  + (f" The best point: {metric} {best['figures'][metric] - f[metric]:+.4f}, LUT "
                     f"{(best['figures']['lut'] / f['lut'] - 1) if f['lut'] else 0:+.1%}, DSP "
                     f"{best['figures']['dsp'] - f['dsp']:+d}." if best else ""), ""]
    if final:
        lines += ["## Finalists: the best passing points trained again with the model's full schedule", "",
                  _table(["point", "scan point", "parameters", metric, f"{metric} in the scan", "LUT", "DSP",
                          "latency ns", "verdict", "bit-exact"],
                         [[f"`{p['key']}`", f"`{p['scan_key']}`", _params(p), p["figures"] and p["figures"][metric],
                           by_key[p["scan_key"]]["figures"][metric] if p["scan_key"] in by_key else None,
                           p["figures"] and p["figures"]["lut"], p["figures"] and p["figures"]["dsp"],
                           p["figures"] and p["figures"]["latency_ns"], p["verdict"],
                           bool(p["firmware_vs_qkeras"]) and p["firmware_vs_qkeras"]["bit_exact_fraction"] == 1.0]
                          for p in s["finalists"]]), ""]
    lines += ["## Pareto front", "",
              _table(["point", "parameters", metric, "LUT", "DSP", "latency ns", "II", "verdict", "bit-exact"],
                     [[f"`{k}`", _params(by_key[k]), by_key[k]["figures"][metric], by_key[k]["figures"]["lut"],
                       by_key[k]["figures"]["dsp"], by_key[k]["figures"]["latency_ns"], by_key[k]["figures"]["ii_cycles"],
                       by_key[k]["verdict"], by_key[k]["firmware_vs_qkeras"]["bit_exact_fraction"] == 1.0]
                      for k in sorted(s["pareto_front"], key=lambda k: -by_key[k]["figures"][metric])]), "",
              "Plots: " + ", ".join(f"`{f}`" for f in s["files"] if f.endswith(".png")), ""]
    failed = [p for p in s["points"] if p["status"] != "done"]
    if failed:
        lines += ["## Failed points", ""] + [f"- {_params(p)}: {p['error']}" for p in failed] + [""]
    return "\n".join(lines)
