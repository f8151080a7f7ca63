"""Bulk history: finished jobs with realistic past times, created without running anything."""

from __future__ import annotations

from .job import CANCELED, COMPLETED, FAILED, INACTIVE, TIMEOUT, Job

_APPS = [
    (["sleep", "10"], 30), (["hostname"], 15), (["python3", "train.py"], 15), (["lmp", "-in", "in.lj"], 10),
    (["echo", "done"], 10), (["sh", "-c", "./run.sh"], 10), (["mpirun", "./hello"], 10),
]


def seed_jobs(inst, n: int) -> None:
    if n <= 0:
        return
    rng = inst.rng
    now = inst.clock.now()
    end = now - 5.0
    last_submit = max((j.t_submit for j in inst.jobs.values()), default=0.0)
    gap = 8.0
    start = end - n * gap
    if last_submit and start < last_submit:
        start = last_submit + 0.001
        gap = max(0.0005, (end - start) / n)
    if not inst.jobs and start < inst._fluid_epoch:
        inst._fluid_epoch = start - 1.0  # ids encode submit times, as a long-running instance's do
    size, cpn = inst.size, inst.cores_per_node
    weights = [w for _a, w in _APPS]
    apps = [a for a, _w in _APPS]
    picks = rng.choices(range(len(apps)), weights=weights, k=n)
    rolls = [rng.random() for _ in range(n)]
    jobs: list[Job] = []
    t = start
    for i in range(n):
        t += gap * (0.5 + rng.random())
        if t >= end:
            t = end - (n - i) * 1e-4
        argv = apps[picks[i]]
        job = Job(inst.new_id(t))
        job.seeded = True
        job.events = None
        job.exec_events = None
        job.output = None
        job.argv = list(argv)
        job.name = argv[0]
        job.cwd = "/tmp/workflow"
        job.t_submit = t
        job.t_depend = t + 0.0121
        job.t_priority = t + 0.0236
        job.t_sched = t + 0.02363
        job.priority = 16
        roll = rolls[i]
        nn = 1 if roll < 0.8 or size == 1 else rng.randint(1, size)
        if nn > 1:
            job.req_nodes, job.ntasks, job.exclusive = nn, nn, True
            r0 = rng.randint(0, size - nn)
            job.alloc = [(r, list(range(cpn))) for r in range(r0, r0 + nn)]
        else:
            r0 = rng.randrange(size)
            job.alloc = [(r0, [rng.randrange(cpn)])]
        job.hostnames = [inst.hostnames[r] for r, _c in job.alloc]
        job.t_run = t + 0.0301
        if roll < 0.85:
            runtime = 0.02 + rng.random() * (10.0 if argv[0] == "sleep" else 120.0)
            job.waitstatus, job.result = 0, COMPLETED
        elif roll < 0.92:
            runtime = 0.02 + rng.random() * 30.0
            job.waitstatus, job.result = rng.choice((1, 2)) << 8, FAILED
        elif roll < 0.96:
            runtime = 1.0 + rng.random() * 60.0
            job.exc_type, job.exc_note = "cancel", ""
            job.waitstatus, job.result = 143 << 8, CANCELED
        else:
            job.duration = 60.0
            job.expiration = job.t_run + 60.0
            runtime = 60.0
            job.exc_type, job.exc_note = "timeout", "resource allocation expired"
            job.waitstatus, job.result = 142 << 8, TIMEOUT
        job.t_cleanup = job.t_run + runtime
        job.t_inactive = job.t_cleanup + 0.0041
        job.state = INACTIVE
        job.jobspec = None  # rebuilt on demand (make_jobspec) to keep 100k jobs small
        jobs.append(job)
    inst.add_inactive(jobs)
    inst.content.history(n)
