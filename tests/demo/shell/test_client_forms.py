"""The command forms our client and users run through the pod shell, taken literally."""

import pytest

from fluxstate_tui.demo.proc import CommandNotFound


async def test_flux_view_then_proxy_expands_in_pod(pod):
    pod.install_flux_view()
    rc, out, err = await pod.run(["/bin/bash", "-c", ". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux jobs -a"])
    assert (rc, err) == (0, "")
    assert "f3Zx9sq7" in out and "local:///mnt/flux/config/run/flux/local" in out
    assert pod.flux_calls[0][0] == ["flux", "proxy", "local:///mnt/flux/config/run/flux/local", "flux", "jobs", "-a"]
    assert pod.flux_calls[1][0] == ["flux", "jobs", "-a"]
    # the exported variables reach the program's environment
    assert pod.flux_calls[0][1]["PATH"].startswith("/mnt/flux/view/bin:")
    assert pod.flux_calls[0][1]["fluxsocket"] == "local:///mnt/flux/config/run/flux/local"


async def test_flux_uri_prefix_assignment_and_sh(pod):
    pod.install_flux_view()
    rc, out, err = await pod.run(["/bin/sh", "-c",
                                  ". /mnt/flux/flux-view.sh && FLUX_URI=$fluxsocket flux jobs -a -A --json"])
    assert rc == 0, err
    argv, env = pod.flux_calls[0]
    assert argv == ["flux", "jobs", "-a", "-A", "--json"]
    assert env["FLUX_URI"] == "local:///mnt/flux/config/run/flux/local"
    # prefix assignment is for that command only
    rc, out, err = await pod.sh(". /mnt/flux/flux-view.sh; FLUX_URI=x true; echo \"[$FLUX_URI]\"")
    assert out == "[]\n"


async def test_queue_stop_message_quoting(pod):
    pod.install_flux_view()
    rc, out, err = await pod.sh(". /mnt/flux/flux-view.sh && "
                                "flux proxy $fluxsocket flux queue stop --all -m 'paused by fluxstate-tui'")
    assert rc == 0
    assert pod.flux_calls[-1][0] == ["flux", "queue", "stop", "--all", "-m", "paused by fluxstate-tui"]


async def test_flux_not_on_path_without_view(pod):
    rc, out, err = await pod.sh("flux jobs -a")
    assert rc == 127
    assert err == "/bin/bash: line 1: flux: command not found\n"
    assert pod.flux_calls == []
    with pytest.raises(CommandNotFound):
        await pod.run(["flux", "jobs"])
    # missing flux-view.sh: `.` fails and && stops
    rc, out, err = await pod.sh(". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux jobs -a")
    assert rc == 1
    assert err == "/bin/bash: line 1: /mnt/flux/flux-view.sh: No such file or directory\n"


async def test_multi_section_script(pod):
    pod.install_flux_view()
    script = (". /mnt/flux/flux-view.sh\n"
              "echo '===SECTION jobs'; FLUX_URI=$fluxsocket flux jobs -a; echo \"===RC $?\"\n"
              "echo '===SECTION fail'; flux fail; echo \"===RC $?\"\n"
              "echo '===SECTION queue'; flux queue status; echo \"===RC $?\"\n")
    rc, out, err = await pod.sh(script)
    assert rc == 0
    sections = out.split("===SECTION ")
    assert sections[1].startswith("jobs\n") and sections[1].endswith("===RC 0\n")
    assert sections[2] == "fail\n===RC 3\n"
    assert sections[3] == "queue\nflux queue status\n===RC 0\n"
    assert err == "flux-fail: boom\n"


async def test_state_file_commands(pod):
    rc, out, err = await pod.sh("test -e /state/archive.tar.gz")
    assert (rc, out, err) == (1, "", "")
    pod.write("/state/a.new.tar.gz", b"x" * 6904)
    rc, out, err = await pod.sh("mv -f /state/a.new.tar.gz /state/a.tar.gz && test -e /state/a.tar.gz && "
                                "stat -c %s /state/a.tar.gz")
    assert (rc, out, err) == (0, "6904\n", "")
    assert not pod.fs.host_path("/state/a.new.tar.gz").exists()
    rc, out, err = await pod.sh("mv /state/nope /state/x")
    assert (rc, err) == (1, "mv: cannot stat '/state/nope': No such file or directory\n")
    rc, out, err = await pod.sh("rm -f /state/nope; echo $?; rm /state/nope")
    assert (rc, out, err) == (1, "0\n", "rm: cannot remove '/state/nope': No such file or directory\n")
    rc, out, err = await pod.sh("mkdir -p /state/a/b/c && mkdir /state/a")
    assert (rc, err) == (1, "mkdir: cannot create directory '/state/a': File exists\n")
    rc, out, err = await pod.sh("cat /state/missing")
    assert (rc, err) == (1, "cat: /state/missing: No such file or directory\n")


async def test_kubectl_exec_direct_argv(pod):
    pod.write("/state/f", "abc\n")
    rc, out, err = await pod.run(["ls", "-l", "/state"])
    assert rc == 0 and out.startswith("total ") and out.rstrip().endswith(" f")
    rc, out, err = await pod.run(["/usr/bin/cat", "/state/f"])
    assert (rc, out) == (0, "abc\n")
    with pytest.raises(CommandNotFound):
        await pod.run(["nosuchprog", "x"])


async def test_script_on_stdin(pod):
    pod.install_flux_view()
    script = (b"source /mnt/flux/flux-view.sh\nflux proxy ${fluxsocket} flux submit sleep 5\n"
              b"echo done > /state/out.txt\nexit 4\necho never\n")
    rc, out, err = await pod.run(["bash"], stdin=script)
    assert rc == 4
    assert out == "flux submit sleep 5\n"
    assert pod.read("/state/out.txt") == b"done\n"


async def test_bash_file_and_args(pod):
    pod.write("/tmp/s.sh", 'echo "$0 $# $1 $2"\nshift\necho "$@"\nfoo\n')
    rc, out, err = await pod.run(["bash", "/tmp/s.sh", "a b", "c"])
    assert rc == 127
    assert out == "/tmp/s.sh 2 a b c\nc\n"
    assert err == "/tmp/s.sh: line 4: foo: command not found\n"
    rc, out, err = await pod.run(["bash", "/tmp/none.sh"])
    assert (rc, err) == (127, "bash: /tmp/none.sh: No such file or directory\n")
    rc, out, err = await pod.run(["bash", "-c", 'echo "$0:$1"', "myname", "x"])
    assert out == "myname:x\n"
