"""Client benchmarks: parsing `flux jobs` output, and what a refresh moves over exec.

    .venv/bin/python bench/bench_client.py [--sizes 1000,10000,100000]

Prints, for each size, the time to parse the narrow row format the client uses (its text fields
quoted by flux's `!a`; "rows, all escaped": the worst case, every quoted field holding an escape,
so none takes the fast path), `--json` and the default table; then, on an in-process demo
cluster with 100,000 finished jobs, the bytes and time of a full refresh versus an incremental
one, through the real kubernetes client and exec.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fluxstate_tui.demo.flux import FluxInstance, run_flux  # noqa: E402
from fluxstate_tui.demo.proc import Host, PodFS, Proc, SimClock  # noqa: E402
from fluxstate_tui.flux.parse import parse_jobs_json, parse_jobs_table  # noqa: E402
from fluxstate_tui.flux.rows import ROW_FORMAT, parse_job_rows  # noqa: E402


async def flux_output(inst: FluxInstance, host: Host, argv: list[str]) -> str:
    out = bytearray()

    async def w(b: bytes) -> None:
        out.extend(b)

    proc = Proc(argv=argv, env={"FLUX_URI": inst.uri, "LANG": "C.UTF-8"}, host=host, stdout=w, stderr=w)
    await run_flux(proc, inst)
    return out.decode()


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


async def parse_bench(sizes: list[int]) -> None:
    print("parse `flux jobs` output (best of 3)")
    print(f"{'jobs':>8} {'rows (client)':>14} {'rows, all escaped':>18} {'--json':>10} {'table':>10} "
          f"{'bytes rows':>12} {'bytes json':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            clock = SimClock(speed=1000)
            inst = FluxInstance(hostnames=["mc-0", "mc-1"], cores_per_node=4, clock=clock)
            inst.seed_jobs(n)
            host = Host(hostname="mc-0", fs=PodFS(Path(tmp) / str(n)), clock=clock, run=None)  # type: ignore[arg-type]
            rows = await flux_output(inst, host, ["flux", "jobs", "-a", "-A", "-n", "-c", "0", "-o", ROW_FORMAT])
            js = await flux_output(inst, host, ["flux", "jobs", "-a", "-A", "-c", "0", "--json"])
            table = await flux_output(inst, host, ["flux", "jobs", "-a", "-A", "-c", "0"])
            inst.close()
            assert len(parse_job_rows(rows)) == n
            t_rows = best_of(partial(parse_job_rows, rows))
            # every quoted field (they all start after a separator) begins with an escape: `'\\xe9...`
            escaped = rows.replace("\x1f'", "\x1f'\\xe9")
            assert len(parse_job_rows(escaped)) == n
            t_escaped = best_of(partial(parse_job_rows, escaped))
            t_json = best_of(partial(parse_jobs_json, js))
            t_table = best_of(partial(parse_jobs_table, table))
            print(f"{n:>8} {t_rows:>13.3f}s {t_escaped:>17.3f}s {t_json:>9.3f}s {t_table:>9.3f}s "
                  f"{len(rows.encode()):>12,} {len(js.encode()):>12,}")


async def refresh_bench(n: int) -> None:
    from fluxstate_tui.demo.cluster import DemoCluster
    from fluxstate_tui.demo.seed import apply_default_state, submit_demo_jobs
    from fluxstate_tui.demo.server import write_kubeconfig
    from fluxstate_tui.flux.snapshot import JobIndex
    from fluxstate_tui.kube.broker import Broker
    from fluxstate_tui.kube.client import KubeClient, Target
    from fluxstate_tui.kube.resources import get_minicluster

    with tempfile.TemporaryDirectory() as tmp:
        cluster = DemoCluster(Path(tmp), speed=10)
        url = await cluster.start()
        write_kubeconfig(Path(tmp) / "kubeconfig", url)
        apply_default_state(cluster)
        await submit_demo_jobs(cluster, n)
        async with await KubeClient.connect(Target(kubeconfig=str(Path(tmp) / "kubeconfig"))) as kube:
            mc = await get_minicluster(kube, "flux-sample", "default")
            broker = Broker(kube, mc)
            index = JobIndex()
            t0 = time.perf_counter()
            full = await broker.snapshot(index, count=0, timeout=300)
            t_full = time.perf_counter() - t0
            index.apply(full)
            await asyncio.sleep(1)
            t0 = time.perf_counter()
            inc = await broker.snapshot(index, count=0)
            t_inc = time.perf_counter() - t0
            index.apply(inc)
        await cluster.stop()
    print(f"\nrefresh of a MiniCluster with {len(index.jobs):,} jobs (one exec each, through the kubernetes client)")
    print(f"{'':>12} {'bytes':>12} {'jobs':>8} {'time':>8}")
    print(f"{'full':>12} {full.bytes:>12,} {len(full.jobs):>8,} {t_full:>7.2f}s")
    print(f"{'incremental':>12} {inc.bytes:>12,} {len(inc.jobs):>8,} {t_inc:>7.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--refresh-jobs", type=int, default=100000)
    args = parser.parse_args()
    asyncio.run(parse_bench([int(s) for s in args.sizes.split(",")]))
    asyncio.run(refresh_bench(args.refresh_jobs))


if __name__ == "__main__":
    main()
