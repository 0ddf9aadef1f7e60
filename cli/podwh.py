"""podwh: run the podcast warehouse's pipeline from the command line.

Every command reads its settings from PODWH_* environment variables (see the README); the
counting and attribution options can also be given as flags, which win over the
environment for that run. Runs print one line per stage and a summary; the full log (every
Dagster event and dbt's own output) goes to a file whose path is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from core.settings import (
    DBT_VARS,
    DEFAULT_DATA_DIR,
    MODEL_OPTIONS,
    ModelOptions,
    Settings,
    SettingsError,
)
from core.warehouse import WarehouseUnavailable
from synth.config import DEMO_SEED

EPILOG = ("Counting and attribution options not given as flags come from their environment "
          "variable, else from their default in dbt/dbt_project.yml. Changing a counting "
          "option recounts the warehouse from the raw tables (it never mixes two "
          "definitions).")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except WarehouseUnavailable as exc:
        print(f"warehouse error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="podwh", description=__doc__, formatter_class=fmt)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", formatter_class=fmt, epilog=EPILOG,
                          help="generate a small synthetic network and run everything on it")
    demo.add_argument("--out", type=Path, default=DEFAULT_DATA_DIR / "world",
                      help="where the world is generated (reused when it exists)")
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help="the world's random seed")
    _model_options(demo)
    demo.set_defaults(handler=_demo)
    run = sub.add_parser("run", formatter_class=fmt, epilog=EPILOG,
                         help="load a landing directory and build every asset")
    run.add_argument("landing_dir", nargs="?", help="landing directory, one folder per "
                     "source (default: $PODWH_LANDING_DIR)")
    _model_options(run)
    run.set_defaults(handler=_run)
    load = sub.add_parser("load", formatter_class=fmt,
                          help="only load landing files into the raw tables")
    load.add_argument("landing_dir", nargs="?", help="default: $PODWH_LANDING_DIR")
    load.set_defaults(handler=_load)
    transform = sub.add_parser("transform", formatter_class=fmt, epilog=EPILOG,
                               help="only build the dbt models and run their tests over what "
                               "is loaded (incremental; a large backlog in passes)")
    _model_options(transform)
    transform.set_defaults(handler=_transform)
    analyse = sub.add_parser("analyse", formatter_class=fmt, help="only the Python analyses "
                             "over the marts (Markov and Shapley attribution)")
    analyse.set_defaults(handler=_analyse)
    summary = sub.add_parser("summary", formatter_class=fmt,
                             help="print the summary of what the marts hold")
    summary.set_defaults(handler=_summary)
    publish = sub.add_parser("publish", formatter_class=fmt, help="copy the marts and "
                             "analyses to the read-only copy readers open (every run does it)")
    publish.set_defaults(handler=_publish)
    backup = sub.add_parser("backup", formatter_class=fmt, help="copy the whole warehouse "
                            "into an empty folder (DuckDB: a database copy; Postgres: pg_dump)")
    backup.add_argument("folder", type=Path)
    backup.set_defaults(handler=_backup)
    restore = sub.add_parser("restore", formatter_class=fmt, help="restore a backup into the "
                             "configured warehouse, which must be empty; runs then carry on "
                             "incrementally")
    restore.add_argument("folder", type=Path)
    restore.set_defaults(handler=_restore)
    forget = sub.add_parser("forget-ip", formatter_class=fmt, help="a deletion request: "
                            "delete a listener (an IPv4 address; an IPv6 address's /64) "
                            "everywhere; the next run recounts without them")
    forget.add_argument("ips", nargs="+", metavar="IP")
    forget.set_defaults(handler=_forget_ip)
    return parser


def _forget_ip(args: argparse.Namespace) -> int:
    from core.privacy import PrivacyError, forget_ips
    from core.warehouse import connect

    settings = Settings.from_env()
    wh = connect(settings)
    try:
        print(forget_ips(wh, settings, args.ips).summary())
    except PrivacyError as exc:
        print(f"forget-ip: {exc}", file=sys.stderr)
        return 2
    finally:
        wh.close()
    return 0


def _backup(args: argparse.Namespace) -> int:
    from core.backup import backup

    settings = Settings.from_env()
    print(f"Backed up {settings.describe()} to {backup(settings, args.folder.resolve())}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from core.backup import restore

    settings = Settings.from_env()
    restore(settings, args.folder.resolve())
    print(f"Restored {args.folder} into {settings.describe()}; the next run carries on "
          "incrementally")
    return 0


def _model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("counting and attribution options")
    for option in MODEL_OPTIONS:
        default = DBT_VARS[option.name]
        shown = ",".join(default) if isinstance(default, list) else default
        group.add_argument(option.flag, dest=option.name, metavar=option.metavar,
                           default=argparse.SUPPRESS,
                           help=f"{option.help} (env {option.env}; default: "
                           f"{shown if shown not in ('', None) else 'none'})")
    group.add_argument("--full-refresh", action="store_true",
                       help="forget every count and recount the whole warehouse from the "
                       "raw tables (in passes at any size)")


def _options(args: argparse.Namespace, settings: Settings) -> ModelOptions:
    """The environment's options with the flags given on the command line."""
    return settings.options.with_values(
        {o.name: getattr(args, o.name, None) for o in MODEL_OPTIONS}, source="flag")


def _demo(args: argparse.Namespace) -> int:
    from synth import generate_world
    from synth.config import demo_config

    out = args.out.resolve()
    if (out / "world.json").exists():
        print(f"Reusing the synthetic world in {out} (delete it to regenerate)")
    else:
        started = time.perf_counter()
        summary = generate_world(out, demo_config(args.seed))
        print(f"✓ {'Generate a synthetic network':<34} {summary.requests:,} requests from "
              f"{summary.listeners:,} listeners in {out}   {time.perf_counter() - started:.1f} s")
    return _run_pipeline(args, out / "landing")


def _run(args: argparse.Namespace) -> int:
    from cli.pipeline import landing_from

    return _run_pipeline(args, landing_from(args.landing_dir) if args.landing_dir else None)


def _transform(args: argparse.Namespace) -> int:
    return _run_job(args, "transform", Settings.from_env())


def _analyse(args: argparse.Namespace) -> int:
    return _run_job(args, "analyses", Settings.from_env())


def _load(args: argparse.Namespace) -> int:
    from cli.pipeline import landing_from
    from core.warehouse import connect
    from ingest.load.loader import LandingError, load_all
    from ingest.rss.land import land_feeds
    from ingest.user_agents import load_lists

    settings = Settings.from_env()
    landing = landing_from(args.landing_dir) if args.landing_dir else settings.landing_dir
    wh = connect(settings)
    try:
        for report in load_all(wh, landing, future_days=settings.max_future_days):
            print(report.summary())
            for warning in report.warnings:
                print(f"  warning: {warning}")
        print(land_feeds(wh, landing, allowed_networks=settings.feed_allowed_networks).summary())
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


def _summary(_: argparse.Namespace) -> int:
    from cli.summary import print_summary, read_summary

    print_summary(read_summary(Settings.from_env()))
    return 0


def _publish(_: argparse.Namespace) -> int:
    from core.publish import publish
    from core.warehouse import connect

    settings = Settings.from_env()
    wh = connect(settings)
    try:
        print(publish(wh, settings.published_path).summary())
    finally:
        wh.close()
    return 0


def _run_pipeline(args: argparse.Namespace, landing: Path | None) -> int:
    """The whole daily job on `landing` (default: the configured landing directory)."""
    settings = Settings.from_env()
    if landing is not None:
        settings = dataclasses.replace(settings, landing_dir=landing)
    print(f"Landing directory: {settings.landing_dir}\nWarehouse: {settings.describe()}")
    code = _run_job(args, "daily_refresh", settings)
    if code == 0:
        from cli.summary import MartsMissing, print_summary, read_summary

        print()
        try:
            print_summary(read_summary(settings))
        except MartsMissing as exc:  # a source whose data contract failed holds them back
            print(f"No summary: marts {exc} (see the checks that failed above)")
    return code


def _run_job(args: argparse.Namespace, job: str, settings: Settings) -> int:
    """Run `job` in this process with the options of the command line; print a line per
    stage and send the full log to a file."""
    from rich.console import Console

    from cli.pipeline import failures, materialize_all
    from dagster_project.defs.transform.assets import dbt_run_config

    # the landing directory of this run reaches the ingest assets through their resource
    run_config: dict[str, Any] = {
        "resources": {"warehouse": {"config": {"landing_dir": str(settings.landing_dir)}}}}
    if hasattr(args, "full_refresh"):  # a command that builds dbt models
        options = _options(args, settings)
        print(f"Options: {options.describe()}")
        run_config.update(dbt_run_config(options, full_refresh=args.full_refresh))
    log_path = _log_path(settings)
    # bound to the terminal now: the run's own output is redirected to the log
    console = Console(file=sys.stdout, highlight=False,
                      width=None if sys.stdout.isatty() else 132)
    with log_path.open("w", encoding="utf-8") as log:
        print(f"Full log: {log_path}")
        result = materialize_all(job_name=job, run_config=run_config, console=console,
                                 log=log)
    if not result.success:
        print("The run failed:", *failures(result), f"Full log: {log_path}",
              sep="\n  ", file=sys.stderr)
        return 1
    return 0


def _log_path(settings: Settings) -> Path:
    folder = settings.data_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return folder / f"podwh-{stamp}-{uuid.uuid4().hex[:6]}.log"


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
