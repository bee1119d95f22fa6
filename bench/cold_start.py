"""Cold import time of each Lambda handler beside a bare boto3 + Powertools + pydantic import.

Each figure is the median of several fresh interpreters (what a Lambda cold start pays to
import the handler module, before any invocation). Target: no handler above 1.2x the baseline.

    .venv/bin/python bench/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "import boto3, aws_lambda_powertools, pydantic"
# ``import pydantic`` is lazy: BaseModel itself (pydantic.main, pydantic-core schemas) loads on
# first access. Any module that declares a model pays that, so it is shown as a second line.
BASELINE_MODELS = BASELINE + "; pydantic.BaseModel"
PROBE = (
    "import time, sys; t = time.perf_counter(); {stmt}; "
    "sys.stdout.write(str(time.perf_counter() - t))"
)
ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "heard",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "MENTIONS_TABLE": "bench",
    "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:bench",
    "INGEST_QUEUE_URL": "http://127.0.0.1:1/queue/bench",
}


def measure(stmt: str, cwd: Path, runs: int) -> float:
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT / "shared")}
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(stmt=stmt)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(out.stdout))
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    baseline = measure(BASELINE, ROOT, args.runs)
    print(
        f"Cold import, median of {args.runs} fresh interpreters (Python {sys.version.split()[0]})"
    )
    print(f"{'module':<28}{'ms':>9}{'x baseline':>12}")
    print(f"{'baseline (the target)':<28}{baseline * 1000:>9.1f}{1.0:>12.2f}   {BASELINE}")
    with_models = measure(BASELINE_MODELS, ROOT, args.runs)
    print(
        f"{'baseline + BaseModel':<28}{with_models * 1000:>9.1f}{with_models / baseline:>12.2f}"
        "   ... ; pydantic.BaseModel"
    )
    worst = 0.0
    for function in sorted(p for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()):
        seconds = measure("import app", function, args.runs)
        ratio = seconds / baseline
        worst = max(worst, ratio)
        print(f"{'functions/' + function.name:<28}{seconds * 1000:>9.1f}{ratio:>12.2f}")
    print(f"worst handler: {worst:.2f}x baseline (target <= 1.20x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
