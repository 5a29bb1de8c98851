#!/usr/bin/env python3
"""The layers of src/ include only downwards (docs/adding-a-policy.md):

    cli -> audit -> (http, config)
    cli, admin -> gateway -> policies -> (limits, store) -> net -> observe -> http -> config

A layer may include itself and anything below it; main.cpp may include anything. Prints each
include that points up or sideways and exits 1, so a cycle cannot creep back in unnoticed.
"""
import os
import re
import sys

# What each layer may include besides itself.
BELOW = {
    "config": set(),
    "http": {"config"},
    "observe": {"config", "http"},
    "store": {"config", "http", "observe"},
    "net": {"config", "http", "observe"},
    "limits": {"config", "http", "observe", "net"},
    "policies": {"config", "http", "observe", "net", "store", "limits"},
    "gateway": {"config", "http", "observe", "net", "policies", "store", "limits"},
    "admin": {"config", "http", "observe", "store"},
    "audit": {"config", "http"},
    "cli": {"config", "http", "observe", "net", "policies", "gateway", "admin", "store", "limits",
            "audit"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main():
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    problems = []
    for layer in BELOW:
        for root, _, files in os.walk(os.path.join(src, layer)):
            for name in files:
                path = os.path.join(root, name)
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m or m.group(1) not in BELOW:
                            continue
                        target = m.group(1)
                        if target != layer and target not in BELOW[layer]:
                            problems.append(f"{os.path.relpath(path, src)}:{number}: {layer} "
                                            f"includes {target}/, which is not below it")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) against the layering", file=sys.stderr)
        return 1
    print("layering ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
