"""Stage `synth`: vendor runs on the firmware projects when the tools are installed (C synthesis, and on
request co-simulation, Vivado logic synthesis and implementation: hls/synth.py), their reports parsed;
l1cnn's offline estimate of every project beside them, for the per-layer comparison and for machines
without the tools, labelled `estimate` wherever it is shown.
"""

import json

from common.atomic import write_json
from common.log import info
from l1cnn import cache, paths
from l1cnn.stages.convert import FIRMWARE_VARIANTS, firmware_keys

SCHEMA = 6  # bump when synth.json changes shape, so older results are redone (6: co-simulation, Vivado
#            implementation and timing, the estimate always beside the vendor figures)


def synth_path(cfg):
    return paths.artifact_dir(cfg.name) / "synth.json"


def synth_key(cfg, tool, steps) -> str:
    """Redone when the firmware, the tool (where it resolves to: its release), the steps or l1cnn's Vivado
    script change; the estimate's model only matters without a vendor tool (beside vendor figures a
    changed estimate is recomputed alone, and changed readers re-read the reports: see run)."""
    from hls.estimate import model_digest
    from hls.synth import flow_digest, tool_identity

    if tool is None:
        return cache.make_key("synth", SCHEMA, firmware_keys(cfg), None, None, model_digest())
    return cache.make_key("synth", SCHEMA, firmware_keys(cfg), tool, tool_identity(tool), steps.names(),
                          flow_digest() if steps.vivado else None)


def _summary_line(rep) -> str:
    """What the vendor run measured, most final first."""
    parts = [f"C synthesis latency {rep['latency']['max_cycles']} cycles, II {rep['interval']['max_cycles']}"]
    if rep.get("cosim"):
        c = rep["cosim"]
        parts.append(f"co-simulation {c['status']} (latency {c['latency']['max_cycles']}, II {c['interval']['max_cycles']})")
    for key, label in (("post_synthesis", "post-synthesis"), ("post_implementation", "post-route")):
        post = rep.get(key) or {}
        if post.get("LUT"):
            parts.append(f"{label} LUT {post['LUT']['used']}, DSP {(post.get('DSP') or {}).get('used')}")
    if rep.get("timing"):
        t = rep["timing"]
        parts.append(f"WNS {t['wns_ns']} ns (achieved {t['achieved_period_ns']} ns)")
    return "; ".join(parts)


def _read(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _estimates(cfg) -> dict:
    from hls.estimate import estimate_project

    out = {}
    for variant in FIRMWARE_VARIANTS:
        est = estimate_project(paths.firmware_dir(cfg.name, variant), cfg.hls.part, cfg.hls.clock_period_ns)
        out[variant] = est
        t = est["total"]
        info("synth", f"{cfg.name}/{variant}: estimate: latency {t['latency_cycles']} cycles, II {t['ii_cycles']}, "
                      f"LUT {t['lut']:.0f}, DSP {t['dsp']}")
    return out


def run(cfg, force=False, cosim=False, logic_synthesis=False, implementation=False) -> dict:
    from hls.estimate import model_digest
    from hls.synth import VENDOR_COMMANDS, Steps, build, collect, find_vendor_tool
    from hls.vendor_reports import readers_digest

    name = cfg.name
    tool = find_vendor_tool()
    steps = Steps(cosim, logic_synthesis, implementation)
    key = synth_key(cfg, tool, steps)
    out = synth_path(cfg)
    digest, readers = model_digest(), readers_digest()
    if not force and cache.is_current(out, key):
        old = _read(out)
        if old is not None and old.get("estimate_digest") == digest and (tool is None or old.get("reader_digest")
                                                                          == readers):
            info("synth", f"{name}: synthesis results are up to date")
            return {}
        if old is not None and tool is not None:  # the tools' runs stand: redo what l1cnn computes from them
            info("synth", f"{name}: the estimate or the report readers changed: estimates redone, reports re-read")
            old.update(estimates=_estimates(cfg), estimate_digest=digest, reader_digest=readers,
                       variants={v: collect(paths.firmware_dir(name, v), steps) for v in FIRMWARE_VARIANTS})
            write_json(out, old)
            return old
    result = {"vendor_tool": tool, "steps": steps.names() if tool else [], "estimates": {}, "estimate_digest": digest,
              "reader_digest": readers}
    if tool is None:
        result["message"] = (f"no vendor HLS tool found on PATH (looked for {', '.join(VENDOR_COMMANDS)}); "
                             f"the figures are l1cnn's offline estimate, not a synthesis result")
        info("synth", f"{name}: {result['message']}")
    result["estimates"] = _estimates(cfg)
    if tool is not None:
        result["variants"] = {}
        for variant in FIRMWARE_VARIANTS:
            project = paths.firmware_dir(name, variant)
            info("synth", f"{name}/{variant}: running {tool} on {project} ({', '.join(steps.names())})")
            rep = build(project, tool, steps)
            result["variants"][variant] = rep
            info("synth", f"{name}/{variant}: {_summary_line(rep)}")
    write_json(out, result)
    cache.write(out, key, firmware=firmware_keys(cfg), schema=SCHEMA)  # the report checks what it reads
    return result
