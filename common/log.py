"""Console messages of the pipeline: one line per event, to stderr, prefixed by the stage or command."""

import sys


def info(stage: str, msg: str) -> None:
    print(f"[{stage}] {msg}", file=sys.stderr, flush=True)
