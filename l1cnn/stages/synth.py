"""Stage `synth`: vendor C synthesis of the firmware projects when a vendor tool is installed,
its reports parsed; without one, it says so and writes l1cnn's offline estimate instead,
labelled `estimate` wherever it is shown.
"""

from common.atomic import write_json
from common.log import info
from l1cnn import cache, paths
from l1cnn.stages.convert import FIRMWARE_VARIANTS, firmware_keys

SCHEMA = 5  # bump when synth.json changes shape, so older results are redone (5: estimates of the written
#            projects, with calibration intervals)


def synth_path(cfg):
    return paths.artifact_dir(cfg.name) / "synth.json"


def synth_key(cfg, tool, logic_synthesis) -> str:
    from hls.estimate import model_digest

    # without a vendor tool the result is the estimate: redone when the estimate's model changes
    return cache.make_key("synth", SCHEMA, firmware_keys(cfg), tool, logic_synthesis,
                          model_digest() if tool is None else None)


def run(cfg, force=False, logic_synthesis=False) -> dict:
    from hls.synth import VENDOR_COMMANDS, build, find_vendor_tool

    name = cfg.name
    tool = find_vendor_tool()
    key = synth_key(cfg, tool, logic_synthesis)
    out = synth_path(cfg)
    if not force and cache.is_current(out, key):
        info("synth", f"{name}: synthesis results are up to date")
        return {}
    if tool is None:
        from hls.estimate import estimate_project

        result = {"vendor_tool": None,
                  "message": f"no vendor HLS tool found on PATH (looked for {', '.join(VENDOR_COMMANDS)}); "
                             f"the figures are l1cnn's offline estimate, not a synthesis result",
                  "estimates": {}}
        info("synth", f"{name}: {result['message']}")
        for variant in FIRMWARE_VARIANTS:
            est = estimate_project(paths.firmware_dir(name, variant), cfg.hls.part, cfg.hls.clock_period_ns)
            result["estimates"][variant] = est
            t = est["total"]
            info("synth", f"{name}/{variant}: estimate: latency {t['latency_cycles']} cycles, II {t['ii_cycles']}, "
                          f"LUT {t['lut']:.0f}, DSP {t['dsp']}")
    else:
        result = {"vendor_tool": tool, "variants": {}}
        for variant in FIRMWARE_VARIANTS:
            project = paths.firmware_dir(name, variant)
            info("synth", f"{name}/{variant}: running {tool} on {project}"
                          f"{' (C and logic synthesis)' if logic_synthesis else ' (C synthesis)'}")
            result["variants"][variant] = build(project, tool, logic_synthesis)
            lat = result["variants"][variant]["latency"]
            info("synth", f"{name}/{variant}: {result['variants'][variant]['source']} reports latency "
                          f"{lat['max_cycles']} cycles, II {result['variants'][variant]['interval']['max_cycles']}")
    write_json(out, result)
    cache.write(out, key, firmware=firmware_keys(cfg), schema=SCHEMA)  # the report checks what it reads
    return result
