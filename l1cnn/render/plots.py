"""Plots of the report, written atomically as PNG (matplotlib, no display needed)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from common.atomic import atomic_path  # noqa: E402
from l1cnn.evaluate import SIGNAL_EFFICIENCY  # noqa: E402
from physics.metrics import roc_curve  # noqa: E402


def roc_plot(path, curves: dict, title: str) -> None:
    """curves: {label: (scores, is_signal)}; background rejection vs signal efficiency, log scale."""
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    for label, (scores, is_signal) in curves.items():
        tpr, fpr = roc_curve(scores, is_signal)
        ok = fpr > 0
        # a wide translucent line under a thin one keeps identical curves (QKeras vs firmware) both visible
        wide = "QKeras" in label
        ax.plot(tpr[ok], 1.0 / fpr[ok], label=label, lw=4 if wide else 1.3, alpha=0.45 if wide else 1.0,
                ls="--" if "baseline" in label else "-")
    ax.set_yscale("log")
    ax.set_xlim(0, 1)
    ax.set_xlabel("signal efficiency")
    ax.set_ylabel("background rejection 1/$\\epsilon_B$")
    ax.axvline(SIGNAL_EFFICIENCY, color="grey", lw=0.6, ls=":")  # where the report quotes the rejection
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    _save(fig, path)



def _save(fig, path):
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def confusion_plot(path, cm, classes, title) -> None:
    """Row-normalized confusion matrix: the fraction of each true class given each label."""
    frac = cm / cm.sum(axis=1, keepdims=True).clip(min=1)
    fig, ax = plt.subplots(figsize=(4.8, 4.2), dpi=110)
    ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, f"{frac[i, j]:.3f}\n({cm[i, j]})", ha="center", va="center", fontsize=7,
                    color="white" if frac[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    _save(fig, path)


def binned_auc_plot(path, series: dict, title: str) -> None:
    """series: {label: {"lo-hi": auc}}; AUC against the bin centre."""
    fig, ax = plt.subplots(figsize=(6, 4.2), dpi=110)
    for label, bins in series.items():
        edges = [tuple(float(v) for v in k.split("-")) for k in bins]
        centres = [(lo + hi) / 2 for lo, hi in edges]
        ax.plot(centres, list(bins.values()), marker="o", label=label, ls="--" if "baseline" in label else "-")
    ax.set_xlabel("true energy [GeV]")
    ax.set_ylabel("AUC")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    _save(fig, path)


LAYER_SOURCES = ("estimate", "csynth", "vivado_synth", "vivado_impl")  # bar order: estimate, then most final last


def layer_resources_plot(path, per_variant: dict, title: str) -> None:
    """per_variant: {variant: hls.layer_compare rows}. Where a vendor ran: for the quantized+pruned
    firmware (else the first variant) LUT and DSP per layer, the estimate's bar beside each vendor
    source's; otherwise every variant's estimate side by side. Right: the latency per layer (C synthesis
    where it ran, else the estimate), stacked in pipeline order."""
    variant = "pruned" if per_variant.get("pruned") else next(v for v, rows in per_variant.items() if rows)
    rows = per_variant[variant]
    sources = [src for src in LAYER_SOURCES[1:] if any(src in r for r in rows)]
    if sources:  # (label, {layer: figures}) per bar group
        series = [(src.replace("_", "-"), {r["layer"]: r.get(src) or {} for r in rows})
                  for src in ["estimate", *sources]]
        what = f"estimate beside the vendor reports ({variant})"
    else:
        series = [(f"{v} (estimate)", {r["layer"]: r["estimate"] for r in vrows}) for v, vrows in per_variant.items()]
        what = "l1cnn's estimate per variant"
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.4), dpi=100, gridspec_kw={"width_ratios": [3, 3, 1]})
    names = [r["layer"] for r in rows]
    width = 0.8 / len(series)
    for k, (label, by_layer) in enumerate(series):
        xs = [i + k * width for i in range(len(names))]
        for ax, key in zip(axes[:2], ("lut", "dsp")):
            ax.bar(xs, [(by_layer.get(n) or {}).get(key) or 0 for n in names], width, label=label)
    for ax, label in zip(axes[:2], ("LUT", "DSP")):
        ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(names))], names, rotation=60, fontsize=7)
        ax.set_ylabel(f"{label} per layer")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    timing = "csynth" if "csynth" in sources else "estimate"
    bottom = 0.0
    for j, r in enumerate(rows):  # one colour per layer in the stack
        cycles = (r.get(timing) or {}).get("latency_cycles") or 0
        axes[2].bar(0, cycles, 0.6, bottom=bottom, color=f"C{j % 10}")
        if cycles:
            axes[2].text(0, bottom + cycles / 2, r["layer"], ha="center", va="center", fontsize=6)
        bottom += cycles
    axes[2].set_xticks([0], [f"{timing} ({variant})"])
    axes[2].set_ylabel("latency (cycles), per layer")
    fig.suptitle(f"{title}: per-layer LUT and DSP, {what}; latency per layer", fontsize=10)
    _save(fig, path)
