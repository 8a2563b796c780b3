"""Classifier figures of one variant on the test set, for two or more classes.

Every pair (signal, background) the generator names is scored with the logit
difference logit_signal - logit_background on the examples of those two
classes (monotonic in the two-class softmax ratio), so firmware logits are
used as they come out, without softmax.
"""

import numpy as np

from physics.metrics import accuracy_of, binned_pair_auc, confusion, one_vs_rest_auc, pair_auc, rejection_at

SIGNAL_EFFICIENCY = 0.3


def pair_key(pair) -> str:
    return f"{pair[0]}/{pair[1]}"


def pair_scores(logits, classes, pair):
    s, b = classes.index(pair[0]), classes.index(pair[1])
    return np.asarray(logits, np.float64)[:, s] - np.asarray(logits, np.float64)[:, b], s, b


def performance(logits, labels, classes, features, generator) -> dict:
    out = {"accuracy": accuracy_of(logits, labels)}
    if len(classes) == 2:
        score, s, _ = pair_scores(logits, classes, generator.pairs[0])
        out["auc"] = pair_auc(score, labels, s, 1 - s)
        out["rejection_at_30pct"] = rejection_at(score, labels == s, SIGNAL_EFFICIENCY)
        return out
    cm = confusion(logits, labels, len(classes))
    out["auc"] = one_vs_rest_auc(logits, labels)
    out["confusion"] = cm.tolist()
    out["efficiency"] = {c: float(cm[i, i] / cm[i].sum()) if cm[i].sum() else None for i, c in enumerate(classes)}
    out["pair_auc"], out["pair_auc_binned"] = {}, {}
    for pair in generator.pairs:
        score, s, b = pair_scores(logits, classes, pair)
        out["pair_auc"][pair_key(pair)] = pair_auc(score, labels, s, b)
        if pair in generator.binned:
            feature, edges = generator.binned[pair]
            out["pair_auc_binned"][pair_key(pair)] = {
                "feature": feature, "auc": binned_pair_auc(score, labels, s, b, features[feature], edges)}
    return out


def baselines(features, labels, classes, generator) -> dict:
    """AUC (binary: and rejection) of each single-variable discriminant, on its pair of classes."""
    out = {}
    for name, (pair, score) in generator.baseline_scores(features).items():
        if not set(pair) <= set(classes):
            continue
        s, b = classes.index(pair[0]), classes.index(pair[1])
        entry = {"pair": pair_key(pair), "auc": pair_auc(score, labels, s, b)}
        if len(classes) == 2:
            entry["rejection_at_30pct"] = rejection_at(score, labels == s, SIGNAL_EFFICIENCY)
        if pair in generator.binned:
            feature, edges = generator.binned[pair]
            entry["auc_binned"] = {"feature": feature,
                                   "auc": binned_pair_auc(score, labels, s, b, features[feature], edges)}
        out[name] = entry
    return out


def against_baselines(perf: dict, baselines: dict) -> list[dict]:
    """Each single-variable baseline beside the CNN on the same pair (and the same bins)."""
    rows = []
    for name, base in baselines.items():
        cnn = perf["auc"] if "pair_auc" not in perf else perf["pair_auc"].get(base["pair"])
        rows.append({"baseline": name, "pair": base["pair"], "baseline_auc": base["auc"], "cnn_auc": cnn,
                     "cnn_better": cnn is not None and base["auc"] is not None and cnn > base["auc"]})
        binned = perf.get("pair_auc_binned", {}).get(base["pair"], {}).get("auc", {})
        feature = base.get("auc_binned", {}).get("feature")
        for bin_name, b_auc in base.get("auc_binned", {}).get("auc", {}).items():
            c_auc = binned.get(bin_name)
            rows.append({"baseline": f"{name} [{feature} {bin_name}]", "pair": base["pair"], "baseline_auc": b_auc,
                         "cnn_auc": c_auc, "cnn_better": c_auc is not None and b_auc is not None and c_auc > b_auc})
    return rows

