"""What a scan's points add up to: each point's figures and Level-1 verdict, the Pareto front, the best
point that fits the budget, and the files of reports/<model>/scan/ (scan.json, scan.md, the Pareto
plots, best.yaml). Analyses only: nothing here trains or converts.
"""

import yaml

from common.atomic import atomic_path, write_json, write_text
from hls.parts import lookup
from l1cnn.budget import verdict
from l1cnn.config.schema import plain

COSTS = {"lut": "LUT", "dsp": "DSP", "latency_ns": "latency [ns]"}  # one Pareto plot each


def figures(result: dict) -> dict | None:
    """The objective figures of a finished point (None when it failed)."""
    if result.get("status") != "done":
        return None
    perf, res = result["performance"], result["resources"]
    out = {k: perf.get(k) for k in ("auc", "accuracy", "rejection_at_30pct")}
    out.update(lut=res["lut"], ff=res["ff"], dsp=res["dsp"], latency_ns=res["latency_ns"], ii_cycles=res["ii_cycles"])
    return out


def judge(result: dict, cfg) -> dict | None:
    """The Level-1 verdict of a finished point (its estimate with intervals, against the model's budget)."""
    return None if result.get("status") != "done" else verdict(result["resources"], cfg.budget, cfg.hls)


def constraints(result: dict, cfg) -> dict:
    """{budget item: (pessimistic - limit) / limit}: <= 0 everywhere iff the verdict is PASS."""
    v = judge(result, cfg)
    return {i["item"]: ((i["pessimistic"] - i["limit"]) / i["limit"]) if i["pessimistic"] is not None else 1.0
            for i in v["items"]}


def dominates(a, b, directions) -> bool:
    better = False
    for x, y, d in zip(a, b, directions):
        if d == "maximize":
            x, y = -x, -y
        if x > y:
            return False
        better |= x < y
    return better


def pareto(rows, names, directions) -> list:
    """Indices of the rows no other row dominates on the named figures."""
    vals = [[r["figures"][n] for n in names] for r in rows]
    return [i for i, v in enumerate(vals) if not any(dominates(w, v, directions) for w in vals)]


def limits(cfg) -> dict:
    """The budget in the units of each figure (LUT and DSP counts, ns)."""
    part = lookup(cfg.hls.part)
    share = cfg.budget.resource_share
    return {"lut": share * part["lut"], "ff": share * part["ff"], "dsp": share * part["dsp"],
            "latency_ns": cfg.budget.latency_ns}


def _point(row, cfg) -> dict:
    res = row["result"]
    v = judge(res, cfg)
    return {"key": row["key"], "params": row["params"], "status": res["status"], "error": res.get("error"),
            "figures": figures(res), "verdict": v and v["verdict"], "decided_by": v and v["decided_by"],
            "firmware_vs_qkeras": res.get("firmware_vs_qkeras"), "sparsity": res.get("sparsity"),
            "parameters": res.get("parameters"), "resources": res.get("resources"),
            "performance": res.get("performance"), "seconds": res.get("seconds")}


def _passing(points) -> list:
    return [p for p in points if p["status"] == "done" and p["verdict"] == "PASS"]


def choose_best(points, metric, tolerance):
    """Among the passing points within `tolerance` of the highest metric, the fewest LUT, then DSP, then
    the higher metric (tolerance 0: the highest metric, ties to the cheaper)."""
    passing = _passing(points)
    if not passing:
        return None
    top = max(p["figures"][metric] for p in passing)
    near = [p for p in passing if p["figures"][metric] >= top - tolerance]
    return min(near, key=lambda p: (p["figures"]["lut"], p["figures"]["dsp"], -p["figures"][metric], p["key"]))


def finalist_params(summary: dict, n: int) -> list:
    """The parameters of the n passing points with the highest classifier figure (ties: fewer LUT)."""
    metric = summary["metric"]
    passing = sorted(_passing(summary["points"]), key=lambda p: (-p["figures"][metric], p["figures"]["lut"], p["key"]))
    return [p["params"] for p in passing[:n]]


def _unique(rows, cfg) -> list:
    points, seen = [], set()
    for row in rows:
        if row["key"] not in seen:  # NSGA-II may ask for a point twice; it is evaluated and listed once
            seen.add(row["key"])
            points.append(_point(row, cfg))
    return points


def summarize(cfg, rows: list, reference=None, finals=(), final_reference=None) -> dict:
    """scan.json's content from the stored rows of the points this scan asked for (in asked order), the
    reference point (the model's own config under the scan's schedule) and, with finalists, the same
    for the second round under the model's full schedule, among which the best point is chosen."""
    scan = cfg.scan
    metric = next(n for n, d in scan.objectives if d == "maximize")
    points = _unique(rows, cfg)
    finalists = _unique(finals, cfg)
    by_params = {repr(sorted(p["params"].items())): p["key"] for p in points}
    for f in finalists:
        f["scan_key"] = by_params.get(repr(sorted(f["params"].items())))
    done = [p for p in points if p["status"] == "done"]
    names = [n for n, _ in scan.objectives]
    front = [done[i]["key"] for i in pareto(done, names, [d for _, d in scan.objectives])]
    best = choose_best(finalists if finalists else done, metric, scan.tolerance)
    secs = sorted(p["seconds"] for p in points if p["seconds"] is not None)
    return {"model": cfg.name, "config": cfg.source, "scan": scan.as_dict(), "metric": metric,
            "budget": plain(cfg.budget), "limits": limits(cfg),
            "n_points": len(points), "n_done": len(done), "n_failed": len(points) - len(done),
            "n_pass": sum(p["verdict"] == "PASS" for p in done), "pareto_front": front,
            "best": best and best["key"],
            "best_from": "finalists (the model's full schedule)" if finalists else "points (the scan's schedule)",
            "seconds_per_point": {"median": secs[len(secs) // 2] if secs else None,
                                  "mean": sum(secs) / len(secs) if secs else None,
                                  "min": secs[0] if secs else None, "max": secs[-1] if secs else None},
            "reference": reference and _point(reference, cfg), "points": points,
            "finalists": finalists, "final_reference": final_reference and _point(final_reference, cfg)}


def find(summary: dict, key: str) -> dict:
    """A point or finalist of the summary by its key."""
    return next(p for p in summary["points"] + summary["finalists"] if p["key"] == key)


def best_config(cfg, summary: dict) -> dict | None:
    """The best passing point as a complete config (the model's full training schedule, not the scan's),
    named <model>_best so its artifacts never overwrite the shipped model's."""
    from l1cnn.config.scan import derive

    if summary["best"] is None:
        return None
    point = find(summary, summary["best"])
    raw = derive(cfg, cfg.scan.full_schedule(), point["params"])
    raw["name"] = f"{cfg.name}_best"
    raw["description"] = f"{cfg.description} (best point of its design-space scan)"
    return raw


def write(out, cfg, summary: dict, run_info: dict) -> list:
    """scan.json, scan.md, the Pareto plots and best.yaml into `out`; returns the file names written."""
    from l1cnn.render.scan import pareto_plot, scan_markdown

    summary = {**summary, "run": run_info}
    written = []
    for cost, label in COSTS.items():
        name = f"pareto_{cost}.png"
        pareto_plot(out / name, summary, cost, label)
        written.append(name)
    best = best_config(cfg, summary)
    if best is not None:
        p = find(summary, summary["best"])
        f = p["figures"]
        head = (f"# {cfg.name}_best: the best point of `l1cnn scan --model {cfg.name}` that passes the Level-1 budget\n"
                f"# (pessimistic end of every estimate interval). Its figures in the scan ({summary['best_from']}):\n"
                f"# {summary['metric']} {f[summary['metric']]:.4f}, LUT {f['lut']}, DSP {f['dsp']}, "
                f"latency {f['latency_ns']:g} ns; point {p['key']}: {p['params']}\n"
                f"# Training and pruning here are the model's full schedule: `make all MODEL=<this file>`\n"
                f"# retrains, converts, proves bit exactness in C simulation and reports.\n")
        with atomic_path(out / "best.yaml") as tmp:
            tmp.write_text(head + yaml.safe_dump(best, sort_keys=False, width=110))
        written.append("best.yaml")
    elif (out / "best.yaml").exists():
        (out / "best.yaml").unlink()  # an earlier scan's best is not this scan's
    summary["files"] = written + ["scan.md", "scan.json"]
    write_text(out / "scan.md", scan_markdown(summary))
    write_json(out / "scan.json", summary)
    return summary["files"]
