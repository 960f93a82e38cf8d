"""`make faults`: prove that no story is lost and the worker never crashes under real faults.

Starts a broker of its own (``.wirestream/kafka-faults``, ports 19192/19193 by default), runs every case of
:mod:`faults.cases` (worker kill -9, broker restart, rebalance, poison input, overload burst, graceful
SIGTERM, slow/failing enrichment stage) and :mod:`faults.state_cases` (the state worker killed and rebalanced),
prints one row per case and, as the last line,
``lost=<n> crashes=<n> poison_dead_lettered=<fraction> cases=<passed>/<total>``. Exit code 0 only if all passed.
Everything it started (workers, broker, topics) is stopped/deleted on the way out, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path

from faults.cases import CaseResult, Sizes, all_cases, poison_fraction
from faults.env import FAULTS_HOME, FaultEnv, broker_settings
from faults.report import run_cases, say, write_report

RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results"
def summary_line(results: list[CaseResult], total: int) -> str:
    lost = sum(r.rec.lost for r in results)
    crashes = sum(r.crashes for r in results)
    passed = sum(1 for r in results if r.passed)
    return f"lost={lost} crashes={crashes} poison_dead_lettered={poison_fraction(results):.4f} cases={passed}/{total}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=19192, help="broker port (controller: port + 1)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--only", nargs="*", help="run only these cases (names as in the table)")
    parser.add_argument("--cluster", action="store_true",
                        help="run the cluster cases instead (faults.cluster_cases: 3-node cluster on ports port+100..port+105)")
    parser.add_argument("--no-state", action="store_true",
                        help="skip the state worker's cases (state_kill9, state_rebalance: entity registry and event clusters)")
    parser.add_argument("--out", type=Path, default=RESULTS / "faults.json", help="JSON report")
    for f in fields(Sizes):
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.cluster:
        from faults.cluster_cases import run as run_cluster

        out = RESULTS / "faults-cluster.json" if args.out == RESULTS / "faults.json" else args.out
        return run_cluster(args.only, out, base_port=args.port + 100, say=say)
    sizes = Sizes(**{f.name: getattr(args, f.name) for f in fields(Sizes)})
    cases = [c for c in all_cases(sizes, args.seed, state=not args.no_state or bool(args.only)) if not args.only or c[0] in args.only]
    logs = FAULTS_HOME / "logs" / time.strftime("%Y%m%dT%H%M%S")
    logs.mkdir(parents=True, exist_ok=True)
    env = FaultEnv(broker_settings(args.port), logs)
    results = run_cases(env, cases, f"Starting the fault broker on 127.0.0.1:{args.port} (worker logs: {logs}) ...")
    write_report(args.out, sizes, results)
    line = summary_line(results, len(cases))
    say(line)
    return 0 if results and all(r.passed for r in results) and len(results) == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
