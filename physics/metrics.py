"""Classifier figures of merit (ROC, AUC, rejection, confusion), vectorized numpy.

Part of the bottom `physics` layer: the physics validation and l1cnn's evaluation both use it.
"""

import numpy as np


def roc_curve(scores, is_signal):
    """(signal efficiency, background efficiency) for every threshold, ties handled exactly."""
    scores, is_signal = np.asarray(scores, np.float64), np.asarray(is_signal, bool)
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], is_signal[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp, fp = np.cumsum(y)[last_of_tie], np.cumsum(~y)[last_of_tie]
    tpr = np.r_[0.0, tp / max(y.sum(), 1)]
    fpr = np.r_[0.0, fp / max((~y).sum(), 1)]
    return tpr, fpr


def auc(scores, is_signal) -> float:
    tpr, fpr = roc_curve(scores, is_signal)
    return float(np.trapz(tpr, fpr))


def rejection_at(scores, is_signal, signal_eff=0.3) -> float | None:
    """1 / background efficiency at the given signal efficiency (interpolated on the ROC);
    None when no background example passes (the sample is too small to measure it)."""
    tpr, fpr = roc_curve(scores, is_signal)
    bkg = float(np.interp(signal_eff, tpr, fpr))
    return None if bkg == 0 else 1.0 / bkg


def pair_auc(scores, labels, signal: int, background: int) -> float | None:
    """AUC of `scores` (higher = more signal-like) on the examples of two classes only."""
    labels = np.asarray(labels)
    keep = (labels == signal) | (labels == background)
    if not np.any(labels[keep] == signal) or not np.any(labels[keep] == background):
        return None
    return auc(np.asarray(scores)[keep], labels[keep] == signal)


def binned_pair_auc(scores, labels, signal, background, values, edges, min_per_class=20) -> dict:
    """pair_auc in bins of `values` (e.g. true energy): {"lo-hi": auc}, bins with enough of both classes."""
    out = {}
    values, labels = np.asarray(values), np.asarray(labels)
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (values >= lo) & (values < hi)
        if min((inside & (labels == signal)).sum(), (inside & (labels == background)).sum()) >= min_per_class:
            out[f"{lo:g}-{hi:g}"] = pair_auc(np.asarray(scores)[inside], labels[inside], signal, background)
    return out


def confusion(logits, labels, n_classes) -> np.ndarray:
    """Rows: true class, columns: predicted class (argmax of the logits), counts."""
    pred = np.argmax(logits, axis=1)
    return np.bincount(np.asarray(labels) * n_classes + pred, minlength=n_classes ** 2).reshape(n_classes, n_classes)


def one_vs_rest_auc(logits, labels) -> float:
    """Macro average over classes of the AUC of (own logit - logsumexp of the others)."""
    logits = np.asarray(logits, np.float64)
    aucs = []
    for c in range(logits.shape[1]):
        others = np.delete(logits, c, axis=1)
        m = others.max(axis=1, keepdims=True)
        score = logits[:, c] - (m[:, 0] + np.log(np.exp(others - m).sum(axis=1)))
        aucs.append(auc(score, np.asarray(labels) == c))
    return float(np.mean(aucs))


def accuracy_of(logits, labels) -> float:
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(labels)))
