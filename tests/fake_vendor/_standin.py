"""What the stand-in vendor tools share: which real report files they hand out, and how a copy is made
to name the project's top function and part (as the real tool would write them for this project)."""
import os
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "vendor_reports"  # real reports from public repositories (SOURCES*.md)


def shared():
    """The read-only fixtures (reports of real designs), L1CNN_FAKE_FIXTURES or ../shared/fixtures."""
    return Path(os.environ.get("L1CNN_FAKE_FIXTURES") or HERE.parents[2] / "shared" / "fixtures") / "hls_reports"


def project_settings(project_dir="."):
    """The project's top and part; L1CNN_FAKE_PART names another part (reports of a run for another board)."""
    text = Path(project_dir, "project.tcl").read_text()
    top = re.search(r'set project_name "?(\w+)', text).group(1)
    part = re.search(r'set part "?([\w\-]+)', text).group(1)
    return top, os.environ.get("L1CNN_FAKE_PART") or part


def copy_report(src: Path, dst: Path, top: str, part: str, old_tops=("myproject", "myhls", "Encoder")):
    """A real report file with its top function and part renamed to this project's."""
    text = src.read_text()
    named = re.search(r"^\|\s*Design\s*:\s*(\S+)", text, re.M)  # a Vivado report's top
    for old in (*old_tops, *([named.group(1)] if named else [])):  # the spaces after a name absorb the change of length: table columns stay put
        text = re.sub(rf"\b{old}\b( *)", lambda m: top + " " * max(len(m.group(1)) - len(top) + len(old),
                                                                       min(len(m.group(1)), 1)), text)
    text = re.sub(r"^(\|\s*Device\s*:\s*)\S+", lambda m: m.group(1) + part, text, flags=re.M)
    text = re.sub(r"(\* Target device:\s*)\S+", lambda m: m.group(1) + part, text)
    text = re.sub(r"<Part>[^<]*</Part>", f"<Part>{part}</Part>", text)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(text)
