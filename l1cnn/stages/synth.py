"""Stage `synth`: vendor C synthesis of the firmware projects when a vendor tool is installed.

Without one, it says so and records that no vendor figure exists (offline
estimates are a separate, clearly labelled source).
"""

from l1cnn import paths, stamp
from l1cnn.atomic import write_json
from l1cnn.errors import UserError
from l1cnn.log import info
from l1cnn.stages.convert import FIRMWARE_VARIANTS, convert_key


def synth_path(cfg):
    return paths.artifact_dir(cfg["name"]) / "synth.json"


def run(cfg, force=False, logic_synthesis=False) -> dict:
    from hls.reports import ReportError
    from hls.synth import VENDOR_COMMANDS, SynthesisError, build, find_vendor_tool

    name = cfg["name"]
    for variant in FIRMWARE_VARIANTS:
        stamp.require(paths.firmware_dir(name, variant), f"{variant} firmware project", f"make convert MODEL={name}")
    tool = find_vendor_tool()
    key = stamp.make_key("synth", [convert_key(cfg, v) for v in FIRMWARE_VARIANTS], tool, logic_synthesis)
    out = synth_path(cfg)
    if not force and stamp.is_current(out, key):
        info("synth", f"{name}: synthesis results are up to date")
        return {}
    if tool is None:
        result = {"vendor_tool": None, "source": None,
                  "message": f"no vendor HLS tool found on PATH (looked for {', '.join(VENDOR_COMMANDS)}); "
                             f"no synthesis figures were produced"}
        info("synth", f"{name}: {result['message']}")
    else:
        result = {"vendor_tool": tool, "variants": {}}
        for variant in FIRMWARE_VARIANTS:
            project = paths.firmware_dir(name, variant)
            info("synth", f"{name}/{variant}: running {tool} on {project}"
                          f"{' (C and logic synthesis)' if logic_synthesis else ' (C synthesis)'}")
            try:
                result["variants"][variant] = build(project, tool, logic_synthesis)
            except (SynthesisError, ReportError) as e:
                raise UserError(str(e)) from None
            lat = result["variants"][variant]["latency"]
            info("synth", f"{name}/{variant}: {result['variants'][variant]['source']} reports latency "
                          f"{lat['max_cycles']} cycles, II {result['variants'][variant]['interval']['max_cycles']}")
    write_json(out, result)
    stamp.write(out, key)
    return result
