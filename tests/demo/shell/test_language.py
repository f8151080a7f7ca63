"""Quoting, expansion, operators, redirections, control flow."""


async def test_quoting_edge_cases(pod):
    rc, out, err = await pod.sh("""x='a  b'; echo '$not_expanded' "$x" $x "${x}" \\$x "q\\"uote" """
                                "'it'\\''s' $'tab\\there'")
    assert out == "$not_expanded a  b a b a  b $x q\"uote it's tab\there\n"
    rc, out, err = await pod.sh('echo "" | wc -c; printf "%s|" "" a "b c"; echo')
    assert out == "1\n|a|b c|\n"
    rc, out, err = await pod.sh("echo a#b # comment\necho 'x # y'")
    assert out == "a#b\nx # y\n"


async def test_file_name_with_spaces(pod):
    rc, out, err = await pod.sh('f="/state/my file.txt"; echo hi > "$f"; cat "$f"; ls /state; cat /state/my\\ file.txt')
    assert (rc, out, err) == (0, "hi\nmy file.txt\nhi\n", "")
    rc, out, err = await pod.sh('f="/state/my file.txt"; cat $f')
    assert rc == 1
    assert err == "cat: /state/my: No such file or directory\ncat: file.txt: No such file or directory\n"


async def test_status_and_operators(pod):
    rc, out, err = await pod.sh("false; echo $?; true && echo yes || echo no; false && echo yes || echo no; "
                                "! false; echo $?")
    assert out == "1\nyes\nno\n0\n"
    rc, out, err = await pod.sh("exit 3")
    assert rc == 3
    rc, out, err = await pod.sh("foo")
    assert (rc, err) == (127, "/bin/bash: line 1: foo: command not found\n")
    rc, out, err = await pod.run(["bash", "-c", "echo ok\nbar"])
    assert (rc, out, err) == (127, "ok\n", "bash: line 2: bar: command not found\n")


async def test_not_a_program(pod):
    pod.write("/tmp/data.txt", "x")
    rc, out, err = await pod.sh("/tmp/data.txt")
    assert (rc, err) == (126, "/bin/bash: line 1: /tmp/data.txt: Permission denied\n")
    rc, out, err = await pod.sh("/tmp/nope")
    assert (rc, err) == (127, "/bin/bash: line 1: /tmp/nope: No such file or directory\n")


async def test_pipelines_and_redirections(pod):
    rc, out, err = await pod.sh("printf 'a\\nb\\nc\\n' > /state/l.txt; cat < /state/l.txt | grep -v b | wc -l")
    assert out == "2\n"
    rc, out, err = await pod.sh("echo one >> /state/l.txt; tail -n 2 /state/l.txt; head -n 1 /state/l.txt")
    assert out == "c\none\na\n"
    rc, out, err = await pod.sh("cat /nope 2>/dev/null; echo $?; cat /nope 2>&1 | tr a-z A-Z; "
                                "ls /nope &> /state/both; cat /state/both")
    assert out == "1\nCAT: /NOPE: NO SUCH FILE OR DIRECTORY\nls: cannot access '/nope': No such file or directory\n"
    rc, out, err = await pod.sh("echo err >&2; echo out 2>/dev/null >/dev/null")
    assert (out, err) == ("", "err\n")
    rc, out, err = await pod.sh("false | true; echo $?; set -o pipefail; false | true; echo $?")
    assert out == "0\n1\n"
    rc, out, err = await pod.sh("echo x > /nodir/f")
    assert (rc, err) == (1, "/bin/bash: line 1: /nodir/f: No such file or directory\n")


async def test_variables_and_expansions(pod):
    rc, out, err = await pod.sh('A=1; export B=2; unset A; echo "${A:-dflt} $B ${#B} ${C:=set} $C"; env | grep ^B=')
    assert out == "dflt 2 1 set set\nB=2\n"
    rc, out, err = await pod.sh('n=$(echo hi | wc -c); echo "n=$n $((n * 2 + 1))"; '
                                'p=/a/b/c.tar.gz; echo ${p##*/} ${p%.gz}')
    assert out == "n=3 7\nc.tar.gz /a/b/c.tar\n"
    rc, out, err = await pod.sh("set -u; echo $undefined_var; echo after")
    assert rc == 1 and out == "" and "undefined_var: unbound variable" in err


async def test_control_flow(pod):
    script = """
for f in a b "c d"; do
  if [ "$f" = b ]; then continue; elif test "$f" != a; then echo "last:$f"; else echo "first:$f"; fi
done
i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo i=$i
case "x.tar.gz" in *.zip) echo zip;; *.tar.gz) echo tgz;; esac
greet() { echo "hello $1"; return 2; }; greet you; echo rc=$?
{ echo g1; echo g2; } > /state/g; cat /state/g
printf '1\\n2\\n' | while read n; do echo "n$n"; done
"""
    rc, out, err = await pod.sh(script)
    assert err == ""
    assert out == "first:a\nlast:c d\ni=3\ntgz\nhello you\nrc=2\ng1\ng2\nn1\nn2\n"


async def test_set_e_and_cd(pod):
    rc, out, err = await pod.sh("set -e; mkdir -p /state/w; cd /state/w; pwd; echo x > f; ls; false; echo never")
    assert (rc, out) == (1, "/state/w\nf\n")
    rc, out, err = await pod.sh("set -e; false || true; if false; then :; fi; echo alive")
    assert out == "alive\n"
    rc, out, err = await pod.sh("cd /nope")
    assert (rc, err) == (1, "/bin/bash: line 1: cd: /nope: No such file or directory\n")


async def test_syntax_error(pod):
    rc, out, err = await pod.sh("echo (")
    assert rc == 2
    assert "syntax error" in err
    rc, out, err = await pod.sh("if true; then echo x")
    assert rc == 2 and "unexpected end of file" in err


async def test_heredoc_and_glob(pod):
    rc, out, err = await pod.sh("X=v\ncat <<EOF > /state/h.txt\nval=$X\nEOF\ncat <<'E2'\nraw=$X\nE2\ncat /state/h.txt")
    assert out == "raw=$X\nval=v\n"
    rc, out, err = await pod.sh("touch /state/a.tgz /state/b.tgz /state/c.txt; echo /state/*.tgz; "
                                "echo '/state/*.tgz'; echo /state/*.none")
    assert out == "/state/a.tgz /state/b.tgz\n/state/*.tgz\n/state/*.none\n"


async def test_sleep_uses_sim_clock(pod):
    import time
    t0 = time.monotonic()
    rc, out, err = await pod.sh("sleep 2; sleep 0.5s; echo done")
    assert (rc, out) == (0, "done\n")
    assert time.monotonic() - t0 < 1.0


async def test_path_traversal_stays_in_pod(pod, tmp_path):
    (tmp_path / "secret").write_text("host secret")
    pod.write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
    rc, out, err = await pod.sh("cd /state && cat ../../../../etc/passwd ../../../../../secret")
    assert out == "root:x:0:0:root:/root:/bin/bash\n"
    assert "host secret" not in out
    assert err == "cat: ../../../../../secret: No such file or directory\n"
    rc, out, err = await pod.sh("echo pwned > ../../../../../escape; ls /")
    assert not (tmp_path / "escape").exists()
    assert pod.fs.host_path("/escape").exists()
