"""`podwh-synth`: write a synthetic landing directory with its ground truth."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from synth.config import DEFAULT_START, WorldConfig
from synth.world import generate_world


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="podwh-synth", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description=__doc__ + " The landing directory (<out>/landing) holds every source in "
        "its landing format, quirks included; <out>/ground_truth holds what the warehouse "
        "must compute from it (IAB downloads per window type, exclusions, ad impressions, "
        "injected anomalies, true incremental conversions).")
    d = WorldConfig()
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--seed", type=int, default=d.seed,
                   help="random seed: the same seed and sizes give the same world")
    p.add_argument("--tenants", type=int, default=d.tenants,
                   help="networks or agencies, each with its own shows and sponsors")
    p.add_argument("--shows", type=int, default=d.shows, help="shows in all")
    p.add_argument("--days", type=int, default=d.days, help="days of traffic")
    p.add_argument("--listeners", type=int, default=d.listeners,
                   help="people who listen (households hold one or more)")
    p.add_argument("--target-requests", type=int, default=None,
                   help="size the listener count to get roughly this many access-log rows "
                   "(overrides --listeners)")
    p.add_argument("--start-date", type=dt.date.fromisoformat, default=DEFAULT_START,
                   help="first day of traffic (UTC)")
    p.add_argument("--no-ground-truth", action="store_true",
                   help="skip ground_truth/ (faster for large benchmark worlds)")
    p.add_argument("--chunk-rows", type=int, default=d.chunk_rows,
                   help="max access-log rows per file")
    p.add_argument("--ad-response", type=float, default=1.0,
                   help="multiply every sponsor's response to its ads (site visits per "
                        "exposed household)")
    p.add_argument("--bad-landing", action="store_true",
                   help="add landing files that pass the loader but break the data "
                        "contracts, listed in ground_truth/bad_landing.json")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    cfg = WorldConfig(seed=a.seed, tenants=a.tenants, shows=a.shows, days=a.days,
                      listeners=a.listeners, target_requests=a.target_requests,
                      start_date=a.start_date, ground_truth=not a.no_ground_truth,
                      chunk_rows=a.chunk_rows, ad_response=a.ad_response,
                      bad_landing=a.bad_landing)
    s = generate_world(a.out, cfg)
    print(f"wrote {s.requests} requests from {s.listeners} listeners "
          f"({s.households} households) to {s.out_dir} in {s.seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
