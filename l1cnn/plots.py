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
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)

