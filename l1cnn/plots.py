"""Plots of the report, written atomically as PNG (matplotlib, no display needed)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from l1cnn.atomic import atomic_path  # noqa: E402
from l1cnn.metrics import roc_curve  # noqa: E402


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
    ax.axvline(0.3, color="grey", lw=0.6, ls=":")
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
