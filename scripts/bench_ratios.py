#!/usr/bin/env python3
"""Prints the ratios of the `overhead` bench, from criterion's estimates of the last run."""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def median(group, name):
    p = root / group / name / "new" / "estimates.json"
    v = json.loads(p.read_text())["median"]["point_estimate"]
    # A variant measured twice (`name_2`, interleaved with the others): keep the faster.
    p2 = root / group / (name + "_2") / "new" / "estimates.json"
    if p2.exists():
        v = min(v, json.loads(p2.read_text())["median"]["point_estimate"])
    return v


def show(group, base_name, names):
    try:
        base = median(group, base_name)
    except FileNotFoundError:
        return
    parts = [f"{base_name} {base:8.1f} ns"]
    for n in names:
        v = median(group, n)
        parts.append(f"{n} {v:8.1f} ns ({v / base:.3f}x)")
    print(f"{group:9} " + " | ".join(parts))


for group in ("disabled", "enabled"):
    try:
        base, hand, ann = (median(group, n) for n in ("uninstrumented", "hand_written", "annotated"))
    except FileNotFoundError as e:
        print(f"{group:9} not measured ({e.filename}): run `cargo bench -p genai-o11y-tests --bench overhead [-- ^{group}/]`")
        continue
    print(f"{group:9} uninstrumented {base:8.1f} ns | hand-written {hand:8.1f} ns | annotated {ann:8.1f} ns"
          f" | annotated/hand = {ann / hand:.3f} | hand/uninstrumented = {hand / base:.2f}")

show("features", "annotated", ["pricing_on", "capture_off", "capture_on"])
show("streaming", "uninstrumented", ["annotated"])
show("collector", "healthy", ["dead", "slow"])
show("sampling", "no_sampler", ["sampler"])
for size in ("2mib", "8mib"):
    show("media", f"serialize_{size}", [f"capture_off_{size}", f"capture_on_{size}", f"copy_{size}", f"capture_upload_{size}"])
