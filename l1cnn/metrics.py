"""Classifier figures of merit, vectorized numpy (no scikit-learn dependency in the report path)."""

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


def binary_score(logits) -> np.ndarray:
    """Signal (class 1) minus background (class 0) logit: monotonic in the softmax probability."""
    logits = np.asarray(logits, np.float64)
    return logits[:, 1] - logits[:, 0]
