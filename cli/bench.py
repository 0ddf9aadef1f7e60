"""`make bench`: time each stage on a large synthetic world (a benchmark, not a test).

Each stage runs in its own process so its wall time and peak memory (max RSS) are its own:
generate the world, load its landing files except the last day of access logs and ad
deliveries, build the dbt models (`podwh transform`: a full build), load that last day,
build again (an incremental daily run), Python assets, publishing the read-only copy of
the marts (switched off inside the builds, so that they time dbt alone). Prints one row per
stage with wall time, rows per second and peak memory, and the incremental build's cost as
a share of the full one: overall, and by dbt node time for the listening and the
sponsorship models alone.
`--daily-again` times the daily run (and what follows) again from the warehouse as the last
full build left it, so that a change to the daily run is measured without a new full build.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from core.settings import DEFAULT_DATA_DIR, PROJECT_ROOT, child_environment

BIN = Path(sys.executable).parent


@dataclass
class Stage:
    name: str
    seconds: float
    peak_mb: float
    rows: int | None
    started: float = 0.0  # wall-clock start (epoch seconds)

    def row(self) -> str:
        dash = f"{'—':>14}"
        rate = f"{self.rows / self.seconds:>14,.0f}" if self.rows and self.seconds else dash
        rows = f"{self.rows:>14,}" if self.rows is not None else f"{'—':>14}"
        peak = f"{self.peak_mb:>9,.0f}"
        return f"| {self.name:<22} | {self.seconds:>9.1f} | {rows} | {rate} | {peak} |"


def run_stage(name: str, cmd: list[str], env: dict[str, str], cwd: Path = PROJECT_ROOT) -> Stage:
    """Run one stage as a child process; its own max RSS comes from wait4."""
    print(f"→ {name}: {' '.join(cmd)}", flush=True)
    started = time.time()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"stage {name!r} failed (exit {os.waitstatus_to_exitcode(status)})")
    return Stage(name, seconds, usage.ru_maxrss / 1024, None, started)


# Model folders of the sponsorship side (issue 4); the rest is listening analytics.
SPONSORSHIP_PATHS = tuple(f"models/{folder}/" for folder in (
    "staging/ad_delivery", "staging/bookings", "staging/conversions", "staging/engagement",
    "intermediate/ad_delivery", "intermediate/attribution", "intermediate/bookings",
    "marts/sponsorship", "marts/revenue"))


def node_times(stage: Stage) -> dict[str, float]:
    """Execution time per dbt node (model or test) over every dbt invocation of a stage,
    from their run_results.json. The DuckDB profile runs one thread, so they add up."""
    timings: dict[str, float] = {}
    for path in (PROJECT_ROOT / "dbt" / "target").rglob("run_results.json"):
        if path.stat().st_mtime < stage.started:
            continue
        for result in json.loads(path.read_text())["results"]:
            uid = result["unique_id"]
            timings[uid] = timings.get(uid, 0.0) + float(result["execution_time"] or 0.0)
    return timings


def node_area(uid: str, nodes: dict[str, dict]) -> str:
    """listening or sponsorship: a model by its folder, a test by the models it reads
    (sponsorship if any is)."""
    node = nodes.get(uid, {})
    if node.get("resource_type") == "model":
        path = node.get("original_file_path", "")
        return "sponsorship" if path.startswith(SPONSORSHIP_PATHS) else "listening"
    models = [d for d in node.get("depends_on", {}).get("nodes", []) if d.startswith("model.")]
    areas = {node_area(m, nodes) for m in models}
    return "sponsorship" if "sponsorship" in areas else "listening"


def dbt_profile(stage: Stage, top: int = 12) -> tuple[str, dict[str, float]]:
    """The slowest dbt nodes of a stage, the node time by area (listening, sponsorship),
    and the time outside any node (process start-up, parsing, connections)."""
    timings = node_times(stage)
    manifest = json.loads((PROJECT_ROOT / "dbt" / "target" / "manifest.json").read_text())
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    areas: dict[str, float] = {}
    for uid, seconds in timings.items():
        area = node_area(uid, nodes)
        areas[area] = areas.get(area, 0.0) + seconds
    in_nodes = sum(timings.values())
    lines = [f"  {seconds:8.1f} s  {uid.split('.', 2)[-1]}" for uid, seconds in
             sorted(timings.items(), key=lambda item: -item[1])[:top]]
    lines.append(f"  {in_nodes:8.1f} s  in {len(timings)} nodes ("
                 + ", ".join(f"{a} {t:.1f} s" for a, t in sorted(areas.items()))
                 + f"); {stage.seconds - in_nodes:.1f} s outside them")
    return "\n".join(lines), areas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000_000,
                        help="access-log rows to generate (default 10M)")
    parser.add_argument("--large", action="store_true", help="100M requests")
    parser.add_argument("--out", default=str(DEFAULT_DATA_DIR / "bench"))
    parser.add_argument("--reuse-world", action="store_true",
                        help="skip generation when the world already exists")
    parser.add_argument("--daily-again", action="store_true",
                        help="time the daily run again from the warehouse as the last full "
                             "run left it after its full build (kept beside the warehouse)")
    args = parser.parse_args(argv)
    requests = 100_000_000 if args.large else args.requests
    out = Path(args.out).resolve() / f"world-{requests}"
    db = Path(args.out).resolve() / f"warehouse-{requests}.duckdb"
    full = FullBuild(Path(args.out).resolve() / f"after-full-build-{requests}")
    # publishing the read-only copy is timed as a stage of its own, not inside the builds
    env = child_environment({"PODWH_WAREHOUSE": "duckdb", "PODWH_DUCKDB_PATH": str(db),
                             "PODWH_LANDING_DIR": str(out / "landing"),
                             "PODWH_PUBLISHED_PATH": "off"})
    stages: list[Stage] = []

    if not ((args.reuse_world or args.daily_again) and (out / "world.json").exists()):
        cmd = [str(BIN / "python"), "-m", "synth", "--out", str(out),
               "--target-requests", str(requests)]
        if args.large:  # ground truth is for tests; at 100M it would only cost memory
            cmd.append("--no-ground-truth")
        gen = run_stage("generate", cmd, env)
        stages.append(gen)
    written = json.loads((out / "world.json").read_text())
    access_rows = _access_log_rows(written)
    if stages:
        stages[0].rows = access_rows

    # The last day of access logs and ad deliveries arrives later: first everything else (a
    # full build), then that day alone (an incremental daily run).
    staged = _staged_landing(out / "landing", Path(args.out).resolve() / f"staged-{requests}")
    env["PODWH_LANDING_DIR"] = str(staged.landing)
    db.unlink(missing_ok=True)
    podwh = [str(BIN / "python"), "-m", "cli.podwh"]
    if args.daily_again:  # the full build's warehouse and figures, as the last run kept them
        load, build, full_profile = full.restore(db)
    else:
        load = run_stage("load (raw)", [*podwh, "load"], env)
        load.rows = _raw_rows(db)
        build = run_stage("dbt build (full)", [*podwh, "transform"], env)
        build.rows = access_rows - staged.held_rows
        full_profile = dbt_profile(build)
        full.keep(db, load, build, full_profile)
    stages += [load, build]
    profiles = [("dbt build (full)", *full_profile)]

    staged.release()
    day = run_stage("load (one more day)", [*podwh, "load"], env)
    day.rows = _raw_rows(db) - load.rows
    stages.append(day)
    inc = run_stage("dbt build (incremental)", [*podwh, "transform"], env)
    inc.rows = staged.held_rows
    stages.append(inc)
    profiles.append(("dbt build (incremental)", *dbt_profile(inc)))
    analyses = run_stage("python assets", [*podwh, "analyse"], env)
    stages.append(analyses)
    published = db.parent / "published" / db.name
    publish = run_stage("publish (read-only copy)", [*podwh, "publish"],
                        {**env, "PODWH_PUBLISHED_PATH": str(published)})
    publish.rows = _published_rows(published)
    stages.append(publish)

    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nBenchmark: {access_rows:,} access-log rows; world in {out}; warehouse {db}")
    print("| stage                  | wall s    | rows           | rows/s         | peak MB   |")
    print("|------------------------|-----------|----------------|----------------|-----------|")
    for stage in stages:
        print(stage.row())
    print(f"incremental / full dbt build: {inc.seconds / build.seconds:.1%}")
    (_, _, full_areas), (_, _, inc_areas) = profiles
    for area in sorted(full_areas):
        print(f"  {area} models and tests alone (node time): "
              f"{inc_areas.get(area, 0.0) / full_areas[area]:.1%}")
    for name, profile, _ in profiles:
        print(f"\n{name}: where the time went\n{profile}")
    print(f"(bench driver itself: {self_peak:,.0f} MB)")
    return 0


def _published_rows(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select table_schema, table_name from information_schema.tables"
                             ).fetchall()
        return sum(con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]
                   for s, t in tables)
    finally:
        con.close()


@dataclass
class FullBuild:
    """The warehouse right after a full build, and that build's figures, kept so that
    --daily-again can time the daily run again (after a change to it) without another full
    build: `<path>.duckdb` and `<path>.json`."""

    path: Path

    def keep(self, db: Path, load: Stage, build: Stage,
             profile: tuple[str, dict[str, float]]) -> None:
        shutil.copyfile(db, self.path.with_suffix(".duckdb"))
        self.path.with_suffix(".json").write_text(json.dumps({
            "load": asdict(load), "build": asdict(build), "profile": list(profile)}))

    def restore(self, db: Path) -> tuple[Stage, Stage, tuple[str, dict[str, float]]]:
        figures = self.path.with_suffix(".json")
        if not figures.exists():
            raise SystemExit(f"--daily-again: no full build kept at {figures}; "
                             "run the benchmark once without it")
        shutil.copyfile(self.path.with_suffix(".duckdb"), db)
        kept = json.loads(figures.read_text())
        text, areas = kept["profile"]
        return Stage(**kept["load"]), Stage(**kept["build"]), (text, areas)


@dataclass
class StagedLanding:
    """A landing directory of symlinks to the world's, holding back its last day of access
    logs and ad deliveries (what a daily run receives) until release()."""

    landing: Path
    held: list[Path]
    held_rows: int  # access-log rows held back

    def release(self) -> None:
        for target in self.held:
            (self.landing / target.parent.name / target.name).symlink_to(target)


DAILY_FOLDERS = ("access_logs", "ad_delivery")


def _staged_landing(source: Path, dest: Path) -> StagedLanding:
    shutil.rmtree(dest, ignore_errors=True)
    landing = dest / "landing"
    landing.mkdir(parents=True)
    for folder in source.iterdir():
        if folder.name not in DAILY_FOLDERS:
            (landing / folder.name).symlink_to(folder)
    last_day = max(f.name[:10] for f in (source / "access_logs").iterdir())
    held: list[Path] = []
    for name in DAILY_FOLDERS:
        (landing / name).mkdir()
        for f in sorted((source / name).iterdir()):
            if f.name[:10] == last_day:
                held.append(f)
            else:
                (landing / name / f.name).symlink_to(f)
    held_rows = sum(_rows_in(f) for f in held if f.parent.name == "access_logs")
    return StagedLanding(landing, held, held_rows)


def _rows_in(path: Path) -> int:
    reader = "read_parquet" if path.suffix == ".parquet" else "read_json_auto"
    return int(duckdb.sql(f"select count(*) from {reader}(?)", params=[str(path)]).fetchall()[0][0])


def _access_log_rows(world: dict) -> int:
    counts = world.get("files", {})
    return int(sum(n for name, n in counts.items() if "access_logs" in name))


def _raw_rows(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        total = con.execute("select sum(rows_loaded) from raw._load_manifest").fetchone()
        return int(total[0] or 0) if total else 0
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
