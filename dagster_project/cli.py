"""`podwh`: the demo, a full run on your own landing directory, the loader or the dbt models
alone."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from ingest.load.warehouse import WarehouseUnavailable
from ingest.settings import DEFAULT_DATA_DIR, Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="podwh", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="generate a small synthetic world and run everything")
    demo.add_argument("--out", default=str(DEFAULT_DATA_DIR / "world"))
    demo.add_argument("--seed", type=int, default=7)
    run = sub.add_parser("run", help="load a landing directory and build every asset")
    run.add_argument("landing_dir", nargs="?", help="default: $PODWH_LANDING_DIR")
    load = sub.add_parser("load", help="only load landing files into raw tables")
    load.add_argument("landing_dir", nargs="?", help="default: $PODWH_LANDING_DIR")
    sub.add_parser("transform", help="only build the dbt models and run their tests, over "
                   "what is already loaded")
    sub.add_parser("analyse", help="only the Python analyses over the marts (Markov and "
                   "Shapley attribution)")
    sub.add_parser("summary", help="print headline figures from the marts")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        return _COMMANDS[args.command](args)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except WarehouseUnavailable as exc:
        print(f"warehouse error: {exc}", file=sys.stderr)
        return 2


def _demo(args: argparse.Namespace) -> int:
    from ingest.synth import generate_world
    from ingest.synth.config import demo_config

    out = Path(args.out).resolve()
    if not (out / "world.json").exists():
        print(f"Generating a synthetic world in {out} ...")
        generate_world(out, demo_config(args.seed))
    else:
        print(f"Reusing the synthetic world in {out} (delete it to regenerate)")
    os.environ["PODWH_LANDING_DIR"] = str(out / "landing")
    return _run_pipeline()


def _run(args: argparse.Namespace) -> int:
    from dagster_project.pipeline import landing_from

    if args.landing_dir:
        os.environ["PODWH_LANDING_DIR"] = str(landing_from(args.landing_dir))
    return _run_pipeline()


def _load(args: argparse.Namespace) -> int:
    from dagster_project.pipeline import landing_from
    from ingest.load.loader import LandingError, load_all
    from ingest.load.warehouse import connect
    from ingest.rss.land import land_feeds
    from ingest.user_agents import load_lists

    settings = Settings.from_env()
    landing = landing_from(args.landing_dir) if args.landing_dir else settings.landing_dir
    wh = connect(settings)
    try:
        for report in load_all(wh, landing):
            print(report.summary())
            for warning in report.warnings:
                print(f"  warning: {warning}")
        print(land_feeds(wh, landing).summary())
        lists = load_lists(wh, settings.opawg_dir)
        print(lists.summary())
        for warning in lists.warnings:
            print(f"  warning: {warning}")
    except LandingError as exc:
        print(f"landing error: {exc}", file=sys.stderr)
        return 1
    finally:
        wh.close()
    return 0


def _job(name: str) -> int:
    from dagster_project.pipeline import failures, materialize_all

    result = materialize_all(job_name=name, log_level="INFO")
    if not result.success:
        print("The run failed:", *failures(result), sep="\n  ", file=sys.stderr)
        return 1
    return 0


def _transform(_: argparse.Namespace) -> int:
    return _job("transform")


def _analyse(_: argparse.Namespace) -> int:
    return _job("analyses")


def _summary(_: argparse.Namespace) -> int:
    from dagster_project.pipeline import summary

    print(summary(Settings.from_env()))
    return 0


def _run_pipeline() -> int:
    from dagster_project.pipeline import failures, materialize_all, summary

    settings = Settings.from_env()
    print(f"Landing directory: {settings.landing_dir}\nWarehouse: {settings.describe()}")
    result = materialize_all()
    if not result.success:
        print("The run failed:", *failures(result), sep="\n  ", file=sys.stderr)
        return 1
    print(summary(settings))
    print("\nOpen the Dagster UI with `make ui` (http://127.0.0.1:3000) to see the assets, "
          "their lineage, the dbt tests as asset checks, and this run.")
    return 0


_COMMANDS = {"demo": _demo, "run": _run, "load": _load, "transform": _transform,
             "analyse": _analyse, "summary": _summary}

if __name__ == "__main__":
    sys.exit(main())
