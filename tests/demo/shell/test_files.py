"""ls -l formatting, tar round trips, sha256sum, find, stat and friends."""

import os
import re
import time


async def test_ls_long_format(pod):
    now = pod.host.clock.now()
    pod.write("/state/archive.tar.gz", b"z" * 6904)
    pod.write("/state/old.txt", b"old")
    p = pod.fs.host_path("/state/archive.tar.gz")
    os.chmod(p, 0o644)
    os.utime(p, (now - 3600, now - 3600))
    old = now - 400 * 86400
    os.utime(pod.fs.host_path("/state/old.txt"), (old, old))
    rc, out, err = await pod.run(["ls", "-l", "/state"])
    assert rc == 0, err
    lines = out.splitlines()
    assert re.fullmatch(r"total \d+", lines[0])
    t = time.gmtime(now - 3600)
    expect = (f"-rw-r--r-- 1 root root 6904 {time.strftime('%b', t)} {t.tm_mday:>2} {time.strftime('%H:%M', t)} "
              "archive.tar.gz")
    assert lines[1] == expect
    to = time.gmtime(old)
    assert lines[2].endswith(f"{time.strftime('%b', to)} {to.tm_mday:>2}  {to.tm_year} old.txt")
    assert lines[2].startswith("-rw-r--r-- 1 root root    3 ")
    rc, out, err = await pod.sh("ls -lh /state/archive.tar.gz")
    assert out.startswith("-rw-r--r-- 1 root root 6.8K ")
    assert out.endswith(" /state/archive.tar.gz\n")
    rc, out, err = await pod.sh("ls /state/nope /state")
    assert rc == 2
    assert err == "ls: cannot access '/state/nope': No such file or directory\n"
    assert out == "/state:\narchive.tar.gz\nold.txt\n"
    rc, out, err = await pod.sh("mkdir /state/d; touch /state/.hidden; ls -a /state; ls -1 /state/d /state/old.txt")
    assert out == ".\n..\n.hidden\narchive.tar.gz\nd\nold.txt\n/state/old.txt\n\n/state/d:\n"


async def test_tar_round_trip_with_checksums(pod):
    pod.fs.host_path("/tmp").mkdir()
    pod.write("/work/src/a.txt", "alpha\n")
    pod.write("/work/src/nested/deep/b.bin", bytes(range(256)) * 10)
    pod.write("/work/src/empty", b"")
    pod.write("/work/src/with space.txt", "spaced\n")
    script = """
set -e
cd /work/src
find . -type f | sort | xargs -I{} sha256sum {} > /tmp/sums
tar -czf /state/assets.tar.gz -C /work/src a.txt nested empty 'with space.txt'
tar -tzf /state/assets.tar.gz | wc -l
mkdir -p /restore
tar -xzf /state/assets.tar.gz -C /restore
cd /restore && sha256sum -c /tmp/sums
"""
    rc, out, err = await pod.sh(script)
    assert (rc, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "6"
    assert sorted(lines[1:]) == sorted(["./a.txt: OK", "./empty: OK", "./nested/deep/b.bin: OK",
                                        "./with space.txt: OK"])
    assert pod.read("/restore/nested/deep/b.bin") == bytes(range(256)) * 10
    rc, out, err = await pod.sh("tar -tzf /state/assets.tar.gz")
    assert out.splitlines() == ["a.txt", "nested/", "nested/deep/", "nested/deep/b.bin", "empty", "with space.txt"]
    # old-style flags, -v listing, stdout archive piped to a reader
    rc, out, err = await pod.sh("cd /work && tar czf - src | tar -tzvf - | head -n 1")
    assert re.match(r"drwx\S+ root/root +0 \d{4}-\d\d-\d\d \d\d:\d\d src/\n", out), out
    # checksum mismatch is reported like GNU sha256sum
    pod.write("/restore/a.txt", "changed\n")
    rc, out, err = await pod.sh("cd /restore && sha256sum -c /tmp/sums")
    assert rc == 1
    assert "./a.txt: FAILED\n" in out
    assert err == "sha256sum: WARNING: 1 computed checksum did NOT match\n"


async def test_tar_errors(pod):
    rc, out, err = await pod.sh("tar -tf /state/archive.tar.gz")
    assert (rc, err) == (2, "tar: /state/archive.tar.gz: Cannot open: No such file or directory\n"
                             "tar: Error is not recoverable: exiting now\n")
    rc, out, err = await pod.sh("tar -tzf /state/archive.tar.gz | wc -l")
    assert out == "0\n"
    assert err.startswith("tar (child): /state/archive.tar.gz: Cannot open: No such file or directory\n")
    rc, out, err = await pod.sh("mkdir -p /w; tar -czf /state/o.tgz -C /w nonexist")
    assert rc == 2
    assert err == ("tar: nonexist: Cannot stat: No such file or directory\n"
                   "tar: Exiting with failure status due to previous errors\n")
    pod.write("/state/bad.tar", b"not a tar archive" * 100)
    rc, out, err = await pod.sh("tar -xf /state/bad.tar -C /w")
    assert rc == 2 and "This does not look like a tar archive" in err


async def test_tar_extract_cannot_escape(pod, tmp_path):
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name in ("../../../../evil.txt", "ok.txt"):
            data = b"x"
            ti = tarfile.TarInfo(name)
            ti.size = 1
            tf.addfile(ti, io.BytesIO(data))
        link = tarfile.TarInfo("link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
    pod.write("/state/evil.tgz", buf.getvalue())
    rc, out, err = await pod.sh("mkdir -p /x && tar -xzf /state/evil.tgz -C /x; ls /x")
    assert out == "ok.txt\n"
    assert not (tmp_path / "evil.txt").exists()
    assert "Member name contains '..'" in err


async def test_misc_utilities(pod):
    pod.write("/state/f.txt", "hello\nworld\nhello again\n")
    rc, out, err = await pod.sh("grep -c hello /state/f.txt; grep -q nope /state/f.txt; echo $?; "
                                "grep -E 'wor|again' /state/f.txt")
    assert out == "2\n1\nworld\nhello again\n"
    rc, out, err = await pod.sh("wc -l /state/f.txt; wc -c < /state/f.txt; cat /state/f.txt | wc -l")
    assert out == "3 /state/f.txt\n24\n3\n"
    rc, out, err = await pod.sh("stat -c '%n %s' /state/f.txt; stat -c %s /state/none")
    assert out == "/state/f.txt 24\n"
    assert err == "stat: cannot statx '/state/none': No such file or directory\n"
    rc, out, err = await pod.sh("hostname; whoami; id; basename /a/b/c.tar.gz .gz; dirname /a/b/c; "
                                "date -d @0 +%s; uname")
    assert out == "flux-sample-0\nroot\nuid=0(root) gid=0(root) groups=0(root)\nc.tar\n/a/b\n0\nLinux\n"
    rc, out, err = await pod.sh("d1=$(date +%s); sleep 100; d2=$(date +%s); echo $((d2 - d1 >= 100))")
    assert out == "1\n"
    rc, out, err = await pod.sh("mkdir -p /state/t/sub && touch /state/t/x /state/t/sub/y && "
                                "find /state/t -type f && find /state/t -name 'y'; find /nope")
    assert out == "/state/t/sub/y\n/state/t/x\n/state/t/sub/y\n"
    assert err == "find: '/nope': No such file or directory\n"
    rc, out, err = await pod.sh("cp /state/f.txt /state/g.txt && cp /state/t /state/u; "
                                "cp -r /state/t /state/u && ls /state/u; rm /state/t; rm -r /state/t; ls /state")
    assert out == "sub\nx\nf.txt\ng.txt\nu\n"
    assert err == "cp: -r not specified; omitting directory '/state/t'\nrm: cannot remove '/state/t': Is a directory\n"
    rc, out, err = await pod.sh("echo -n a; echo -e 'b\\tc'; printf '%s=%d\\n' x 5 y 7; "
                                "printf '%05.1f|%-3s|\\n' 3.14159 ab")
    assert out == "ab\tc\nx=5\ny=7\n003.1|ab |\n"


async def test_mount_shared_between_pods(pod, tmp_path):
    from fluxstate_tui.demo.proc import Host, PodFS, SimClock
    from fluxstate_tui.demo.shell import run_program
    fs2 = PodFS(tmp_path / "pod1", {"/state": tmp_path / "data"})
    pod.host = Host("flux-sample-1", fs2, SimClock(speed=1000), run=run_program)
    rc, out, err = await pod.sh("echo shared > /state/x; echo private > /tmp/p")
    from tests.demo.shell.conftest import Pod
    other = Pod(tmp_path)
    rc, out, err = await other.sh("cat /state/x; cat /tmp/p")
    assert out == "shared\n"
    assert err == "cat: /tmp/p: No such file or directory\n"
