"""Simulator output against genuine flux-core 0.88.0 transcripts (tests/fixtures/flux-real)."""

from __future__ import annotations

import asyncio
import re

from tests.demo.flux.conftest import Cluster
from tests.transcripts import block, norm

ID = re.compile(r"^ *[ƒf][1-9A-HJ-NP-Za-km-z]+")


def rows(text: str) -> list[str]:
    """Table rows with the right-aligned JOBID replaced by a fixed token and times masked."""
    out = []
    for line in text.splitlines():
        line = ID.sub("ID", line)
        line = re.sub(r" +\d+\.\d+s ", " T ", line)
        out.append(line)
    return out


async def wait_inactive(c: Cluster, *ids: str, timeout: float = 5.0):
    from fluxstate_tui.flux.ids import parse_jobid

    jobs = [c.inst.jobs[parse_jobid(i)] for i in ids]
    await c.inst.wait_for(lambda: all(j.state == 64 for j in jobs), timeout * c.clock.speed)


async def submit(c: Cluster, cmd: str) -> str:
    rc, out, err = await c.flux(cmd)
    assert rc == 0, err
    return out.strip()


# ----------------------------------------------------------------------------- flux jobs
async def test_empty_listings_07(cluster):
    for cmd in ("flux jobs", "flux jobs -a", "flux jobs -a -n", "flux jobs --stats-only", "flux jobs -a --json"):
        b = block("07-misc.txt", cmd)
        assert await cluster.flux(cmd) == (b["exit"], b["stdout"], b["stderr"]), cmd


async def test_default_format_rows_01(cluster):
    c = cluster
    held = await submit(c, "flux submit --urgency=0 hostname")
    unsat = await submit(c, "flux submit -N 99 hostname")
    ok = await submit(c, "flux submit --job-name=my-named-job hostname")
    await wait_inactive(c, unsat, ok)
    rc, out, err = await c.flux("flux jobs -a")
    real = block("01-basic.txt", "flux jobs -a", 1)["stdout"].splitlines()
    want = [real[0], real[1], real[16], real[17]]  # header, held, my-named-+, -N 99
    got = out.splitlines()
    assert rows("\n".join(got)) == rows("\n".join([want[0], want[1], want[2], want[3]]))
    assert got[1].startswith(" " * (12 - len(held))) and got[1].endswith(" held")


async def test_custom_fields_and_endreason_01(cluster):
    c = cluster
    f = await submit(c, "flux submit false")
    e3 = await submit(c, "flux submit sh -c 'exit 3'")
    nf = await submit(c, "flux submit /nonexistent/command")
    await wait_inactive(c, f, e3, nf)
    rc, out, _ = await c.flux("flux jobs -a -o '{id.f58} {name} {success} {inactive_reason}'")
    real = block("01-basic.txt", "flux jobs -a -o '{id.f58} {name} {success} {inactive_reason}'")["stdout"].splitlines()
    assert rows(out) == rows("\n".join([real[0], real[18], real[19], real[20]]))
    fmt = ("flux jobs -a -o '{id.f58:>12} {name:<14} {state:<8} {state_single} {result:<10} {result_abbrev} "
           "{status} {status_abbrev} {returncode} {waitstatus} {exception.occurred} {exception.type} "
           "{exception.severity} {exception.note}'")
    rc, out, _ = await c.flux(fmt)
    real = block("01-basic.txt", fmt)["stdout"].splitlines()
    assert rows(out) == rows("\n".join([real[0], real[18], real[19], real[20]]))
    rc, out, _ = await c.flux("flux jobs -a --format=endreason")
    real = block("01-basic.txt", "flux jobs -a --format=endreason")["stdout"].splitlines()

    def masked(s):
        return re.sub(r"[A-Z][a-z]{2}\d\d \d\d:\d\d", "DATE", "\n".join(rows(s)))

    assert masked(out) == masked("\n".join([real[0], real[18], real[19], real[20]]))


async def test_filters_count_and_unknown(cluster):
    c = cluster
    ids = [await submit(c, "flux submit true") for _ in range(3)]
    await wait_inactive(c, *ids)
    rc, out, err = await c.flux("flux jobs -a -c 2")
    b = block("05-locale.txt", "env LANG=C.UTF-8 flux jobs -a -c 2")
    assert err == b["stderr"] and len(out.splitlines()) == 3
    rc, out, err = await c.flux("flux jobs -a -f completed")
    assert err == "flux-jobs: WARNING: Both -a and --filter specified, ignoring -a\n" and len(out.splitlines()) == 4
    b = block("01-basic.txt", "flux jobs ƒ1111111111")
    assert await c.flux("flux jobs ƒ1111111111") == (b["exit"], b["stdout"], b["stderr"])
    b = block("04-json.txt", "flux jobs --json --stats")
    assert await c.flux("flux jobs --json --stats") == (b["exit"], b["stdout"], b["stderr"])
    b = block("01-basic.txt", "flux jobs --format=help")
    assert await c.flux("flux jobs --format=help") == (b["exit"], b["stdout"], b["stderr"])


async def test_json_keys_04(cluster):
    import json

    c = cluster
    ok = await submit(c, "flux submit --job-name=ok hostname")
    await wait_inactive(c, ok)
    unsat = await submit(c, "flux submit -N 9 hostname")
    held = await submit(c, "flux submit --urgency=0 hostname")
    run = await submit(c, "flux submit -t 10m sleep 300")
    dep = await submit(c, f"flux submit --dependency=afterok:{run} hostname")
    await wait_inactive(c, ok, unsat)
    keys_real = block("04-json.txt", "flux jobs -a --json | jq -c '.jobs[] | keys'")["stdout"].splitlines()
    rc, out, _ = await c.flux("flux jobs -a --json")
    assert "\\u0192" in out and out.endswith("}]}\n")
    jobs = json.loads(out)["jobs"]
    got = [json.dumps(sorted(j.keys()), separators=(",", ":")) for j in jobs]
    # order: held (SCHED), dependent (DEPEND), running, unsat, ok -- keys as real flux
    assert got == [keys_real[0], keys_real[1], keys_real[2], keys_real[4], keys_real[6]]
    assert [j["jobid"] for j in jobs] == [held, dep, run, unsat, ok]
    rc, out, _ = await c.flux(f"flux jobs --json {unsat}")
    d = json.loads(out)
    assert d["exception"] == {"occurred": True, "severity": 0, "type": "alloc",
                              "note": "unsatisfiable request: need 9 exclusive node(s), only 4 eligible"}
    assert d["returncode"] == 1 and list(d)[-3:] == ["jobid", "annotations", "exception"]
    assert json.loads((await c.flux(f"flux jobs --json {dep}"))[1])["dependencies"] == [f"after-success={run}"]


# ----------------------------------------------------------------------------- job exits
async def test_attach_and_status_exit_codes_01(cluster):
    c = cluster
    f = await submit(c, "flux submit false")
    e3 = await submit(c, "flux submit sh -c 'exit 3'")
    nf = await submit(c, "flux submit /nonexistent/command")
    to = await submit(c, "flux submit -t 2s sleep 60")
    ca = await submit(c, "flux submit sleep 300")
    await asyncio.sleep(0.01)
    assert await c.flux(f"flux cancel {ca}") == (0, "", "")
    await wait_inactive(c, f, e3, nf, to, ca)

    def mask(s):
        return re.sub(r"\d+\.\d+s:", "T:", norm(s))

    for jid, real in ((f, "ƒ29TcohZ"), (e3, "ƒ2ESiPeo"), (nf, "ƒ2HwphG3"), (ca, "ƒ2MgGtQP"), (to, "ƒ2d1oTVH")):
        b = block("01-basic.txt", f"flux job attach {real}")
        rc, out, err = await c.flux(f"flux job attach {jid}")
        assert rc == b["exit"] and out == b["stdout"]
        assert mask(err) == mask(b["stderr"]), (jid, err)
        # flux job status exits as flux job attach does (the missing-command case has no status block)
        assert (await c.flux(f"flux job status {jid}"))[0] == b["exit"]
    b = block("01-basic.txt", "flux cancel ƒ2MgGtQP")
    rc, out, err = await c.flux(f"flux cancel {ca}")
    assert (rc, norm(err)) == (b["exit"], norm(b["stderr"]))
    b = block("01-basic.txt", "flux cancel ƒ1111111111")
    assert await c.flux("flux cancel ƒ1111111111") == (b["exit"], b["stdout"], b["stderr"])


async def test_run_exit_codes_01(cluster):
    for cmd in ("flux run hostname", "flux run false", "flux run sh -c 'exit 7'"):
        b = block("01-basic.txt", cmd)
        assert await cluster.flux(cmd) == (b["exit"], b["stdout"], b["stderr"])
    b = block("07-misc.txt", "flux run --label-io -n2 echo hi")
    rc, out, err = await cluster.flux("flux run --label-io -n2 echo hi")
    assert rc == 0 and sorted(out.splitlines()) == sorted(b["stdout"].splitlines())


async def test_eventlogs_01(cluster):
    c = cluster
    unsat = await submit(c, "flux submit -N 99 hostname")
    held = await submit(c, "flux submit --urgency=0 hostname")
    first = await submit(c, "flux submit sleep 1")
    dep = await submit(c, f"flux submit --dependency=afterok:{first} echo dep-ran")
    await wait_inactive(c, unsat, dep)

    def ts(s):
        return re.sub(r"^\d+\.\d+", "TS", norm(s), flags=re.M)

    for jid, real in ((unsat, "ƒ2Rb6zX9"), (held, "ƒ2h71UaT"), (dep, "ƒ2mGfTWf")):
        b = block("01-basic.txt", f"flux job eventlog {real}")
        assert ts((await c.flux(f"flux job eventlog {jid}"))[1]) == ts(b["stdout"])
    rc, out, _ = await c.flux(f"flux job eventlog -H {unsat}")
    assert re.match(r"\[[A-Z][a-z]{2}\d\d \d\d:\d\d\] submit userid=0 urgency=16 flags=0 version=1\n"
                    r"\[  \+\d\.\d{6}\] validate\n", out)
    rc, out, _ = await c.flux(f"flux job info {unsat} eventlog")
    assert out.endswith("}\n\n") and '"name":"clean"' in out


# ----------------------------------------------------------------------------- flux queue
async def test_queue_texts_02(cluster):
    c = cluster
    for cmd in ("flux queue status", "flux queue status -v"):
        b = block("02-queue-stop-idle.txt", cmd)
        assert await c.flux(cmd) == (0, b["stdout"], "")
    for cmd, nth in (("flux queue stop", 0), ("flux queue stop -m 'maintenance window'", 0), ("flux queue status", 2),
                     ("flux queue disable -m 'closed for testing'", 0), ("flux queue status", 3),
                     ("flux submit hostname", 0), ("flux run hostname", 0), ("flux queue list", 1),
                     ("flux queue enable", 0), ("flux queue disable", 0), ("flux queue enable", 1),
                     ("flux queue start", 0), ("flux queue idle", 3), ("flux cancel --all", 0)):
        b = block("02-queue-stop-idle.txt", cmd, nth)
        assert await c.flux(cmd) == (b["exit"], b["stdout"], b["stderr"]), cmd
    b = block("01-basic.txt", "flux queue list")
    assert await c.flux("flux queue list") == (0, b["stdout"], "")
    b = block("01-basic.txt", "flux queue list -o help")
    assert await c.flux("flux queue list -o help") == (0, b["stdout"], "")


async def test_idle_and_drain_timeouts_02(tmp_path):
    c = Cluster(tmp_path, speed=50)
    await submit(c, "flux submit sleep 8")
    await asyncio.sleep(0.01)
    await c.flux("flux queue stop")
    await submit(c, "flux submit -N4 sleep 1")
    for cmd in ("flux queue idle --timeout=1s", "flux queue idle --timeout=0.5"):
        b = block("02-queue-stop-idle.txt", cmd)
        assert await c.flux(cmd) == (b["exit"], b["stdout"], b["stderr"])
    b = block("02-queue-stop-idle.txt", "flux queue idle")
    assert await c.flux("flux queue idle") == (0, "1 jobs\n", "")
    b = block("02-queue-stop-idle.txt", "flux queue drain --timeout=1s")
    assert await c.flux("flux queue drain --timeout=1s") == (b["exit"], b["stdout"], b["stderr"])
    await c.flux("flux queue start")
    assert await c.flux("flux queue drain --timeout=30s") == (0, "", "")
    rc, out, _ = await c.flux("flux jobs --stats-only")
    assert (rc, out) == (1, "0 running, 2 completed, 0 failed, 0 pending, 0 inactive purged\n")
    c.inst.close()


# ----------------------------------------------------------------------------- resources etc
async def test_resource_uptime_overlay(cluster):
    c = cluster
    for f, cmd in (("01-basic.txt", "flux resource list"), ("01-basic.txt", "flux resource status"),
                   ("01-basic.txt", "flux resource info"), ("01-basic.txt", "flux resource list -v"),
                   ("01-basic.txt", "flux overlay status"), ("01-basic.txt", "flux overlay status --summary"),
                   ("01-basic.txt", "flux getattr size; flux getattr rank; flux getattr broker.mapping; "
                                    "flux getattr instance-level")):
        b = block(f, cmd)
        if ";" in cmd:
            outs = [await c.flux(part.strip()) for part in cmd.split(";")]
            assert "".join(o[1] for o in outs) == b["stdout"]
            continue
        assert await c.flux(cmd) == (b["exit"], b["stdout"], b["stderr"]), cmd
    assert await c.flux("flux resource drain 3 'bad node for test'") == (0, "", "")
    rc, out, _ = await c.flux("flux resource drain")
    b = block("07-misc.txt", "flux resource drain")
    assert (re.sub(r"[A-Z][a-z]{2}\d\d \d\d:\d\d", "DATE", out)
            == re.sub(r"[A-Z][a-z]{2}\d\d \d\d:\d\d", "DATE", b["stdout"]))
    for cmd in ("flux resource status", "flux resource list"):
        b = block("07-misc.txt", cmd)
        assert await c.flux(cmd) == (0, b["stdout"], ""), cmd
    await c.flux("flux queue stop")
    await c.flux("flux queue disable")
    rc, out, _ = await c.flux("flux uptime")
    b = block("07-misc.txt", "flux uptime", 3)

    def mask(s):
        return re.sub(r"^ \d\d:\d\d:\d\d run \S+,", "T run D,", s).replace("size 2", "size 4")

    assert mask(out) == mask(b["stdout"])
    c.inst.set_rank_online(3, False)
    rc, out, _ = await c.flux("flux overlay status")
    assert out.splitlines()[0] == "0 vm: partial" and out.splitlines()[-1] == "└─ 3 vm: offline"


async def test_no_instance_errors_07(cluster):
    for cmd in ("flux jobs", "flux queue status", "flux uptime", "flux submit hostname", "flux resource list",
                "flux version"):
        b = block("07-misc.txt", f"env -u FLUX_URI {cmd}")
        rc, out, err = await cluster.flux(cmd, env={"FLUX_URI": ""}, inst=None)
        assert (rc, out, err) == (b["exit"], b["stdout"], b["stderr"]), cmd


async def test_version_01(cluster):
    b = block("01-basic.txt", "flux version")
    rc, out, err = await cluster.flux("flux version")
    assert out == b["stdout"].replace("local://$RUNDIR/tmp/flux-6YhJIX/local-0", cluster.inst.uri)


async def test_locale_matrix_05(cluster):
    c = cluster
    await submit(c, "flux submit true")
    for env_text in ("LANG=C LC_ALL=C", "LC_ALL=C", "LC_ALL=POSIX", "LANG= LC_ALL=", "LC_ALL=C.UTF-8",
                     "LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8", "LC_ALL=C FLUX_F58_FORCE_ASCII=1"):
        env = dict(kv.split("=", 1) for kv in env_text.split())
        env.setdefault("LANG", "C.UTF-8")
        real_sub = block("05-locale.txt", f"env {env_text} flux submit hostname")["stdout"][0]
        real_id = block("05-locale.txt", f"env {env_text} flux job id --to=f58 11106516992")["stdout"][0]
        assert (await c.flux("flux submit hostname", env=env))[1][0] == real_sub, env_text
        assert (await c.flux("flux job id --to=f58 11106516992", env=env))[1][0] == real_id, env_text


async def test_proxy_and_unknown(cluster):
    c = cluster
    rc, out, err = await c.flux(["flux", "proxy", c.inst.uri, "flux", "getattr", "size"])
    assert (rc, out) == (0, "4\n")
    rc, out, err = await c.flux(["flux", "proxy", "local:///nope"])
    assert (rc, err) == (1, "flux-proxy: ERROR: local:///nope: No such file or directory\n")
    assert await c.flux("flux bogus") == (1, "", "flux: `bogus' is not a flux command.  See 'flux --help'\n")
