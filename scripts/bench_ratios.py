#!/usr/bin/env python3
"""Prints the ratios of the `overhead` bench, from criterion's estimates of the last run."""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def median(group, name):
    p = root / group / name / "new" / "estimates.json"
    return json.loads(p.read_text())["median"]["point_estimate"]


for group in ("disabled", "enabled"):
    try:
        base, hand, ann = (median(group, n) for n in ("uninstrumented", "hand_written", "annotated"))
    except FileNotFoundError as e:
        sys.exit(f"missing estimates ({e}); run `cargo bench -p genai-o11y-tests --bench overhead` first")
    print(f"{group:9} uninstrumented {base:8.1f} ns | hand-written {hand:8.1f} ns | annotated {ann:8.1f} ns"
          f" | annotated/hand = {ann / hand:.3f} | hand/uninstrumented = {hand / base:.2f}")
