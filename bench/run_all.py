"""Run the five benchmarks, one after another, each in its own process, and print their tables.

    python bench/run_all.py [--quick]      (make bench)

A fresh process per script keeps one benchmark's thread pools, allocator and garbage from
weighing on the next.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = ("bench_value.py", "bench_tensor.py", "bench_nn.py", "bench_fit.py",
           "bench_engine_change.py")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats in every script")
    parser.add_argument("only", nargs="*", metavar="SCRIPT",
                        help=f"run only these ({', '.join(SCRIPTS)})")
    args = parser.parse_args()
    unknown = [s for s in args.only if s not in SCRIPTS]
    if unknown:
        parser.error(f"unknown script {', '.join(unknown)}; choose from {', '.join(SCRIPTS)}")
    failed = []
    start = time.perf_counter()
    for script in args.only or SCRIPTS:
        cmd = [sys.executable, str(Path(__file__).with_name(script))]
        if args.quick:
            cmd.append("--quick")
        if subprocess.run(cmd).returncode != 0:
            failed.append(script)
    print(f"\nall benchmarks: {time.perf_counter() - start:.0f} s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
