"""`fluxstate-tui submit` against the demo cluster: copies, dependency, the command reaching flux as argv,
bad input refused before anything is sent, read-only refused, and the audit line."""

from __future__ import annotations

import json
from pathlib import Path

from fluxstate_tui.flux.ids import parse_jobid
from tests.workflows.test_job_actions import act, demo, on_minicluster, wait_state  # noqa: F401, F811 (fixture)
from tests.workflows.test_workflows import states

HOSTILE = "hi; $(touch /tmp/pwned) 'q' \"d\" `id`"


def test_copies_with_a_dependency_and_the_command_as_argv(demo, tmp_path):  # noqa: F811
    @on_minicluster(demo, "subm")
    async def _(kube, mc, broker):
        first = await act(demo, tmp_path, "submit", "subm", "--job-name=first", "--", "echo", HOSTILE)
        (first_id,) = first.stdout.split()
        r = await act(demo, tmp_path, "submit", "subm", "--count", "3", "--job-name=after", "-N1", "-t", "1m",
                      "--dependency", first_id, "--json", "--", "echo", "done")
        doc = json.loads(r.stdout)
        assert doc["ok"] and len(doc["ids"]) == 3 and len(set(doc["ids"])) == 3
        for jid in [first_id, *doc["ids"]]:
            await wait_state(broker, parse_jobid(jid), "INACTIVE", "COMPLETED")
        log = (await broker.flux(["flux", "job", "info", first_id, "guest.output"])).stdout
        events = [json.loads(line) for line in log.splitlines() if line.strip()]
        printed = "".join(e["context"].get("data", "") for e in events if e["name"] == "data")
        assert printed == HOSTILE + "\n"   # one word, as typed: no shell ever read it
        assert (await broker.flux(["flux", "jobs", "-a", "-n", "-o", "{name}", *doc["ids"]])).stdout.split() == \
            ["after"] * 3
    entries = [json.loads(line) for line in (tmp_path / "fluxstate-tui" / "audit.jsonl").read_text().splitlines()]
    assert [e["action"] for e in entries] == ["submit", "submit"]
    assert entries[1]["arguments"]["count"] == 3 and entries[1]["outcome"] == "ok"


def test_bad_input_is_one_line_and_exit_2_and_nothing_is_sent(demo, tmp_path: Path):  # noqa: F811
    @on_minicluster(demo, "subbad")
    async def _(kube, mc, broker):
        before = await states(broker)
        for args in (["--count", "0", "--", "true"], ["--"], ["--", "-x"], ["true"], ["-t", "soon", "--", "true"],
                     ["--dependency", "nope", "--", "true"], ["--urgency", "40", "--", "true"],
                     ["-N", "inf", "--", "true"]):
            r = await act(demo, tmp_path, "submit", "subbad", *args, check=False)
            assert r.returncode == 2, (args, r.stderr)
            assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
        r = await act(demo, tmp_path, "--read-only", "submit", "subbad", "--", "true", check=False)
        assert r.returncode != 0 and "read-only" in r.stderr
        assert await states(broker) == before
