"""sha256sum, sha1sum, md5sum, sha512sum (with -c), in GNU coreutils wording."""

from __future__ import annotations

import hashlib

from ..proc import Proc
from .common import UsageError, getopt, hpath, strerror, usage


def _escape_sum_name(name: str) -> tuple[str, str]:
    if "\\" in name or "\n" in name:
        return "\\", name.replace("\\", "\\\\").replace("\n", "\\n")
    return "", name


async def sha256sum(proc: Proc) -> int:
    return await _digest(proc, proc.argv[0].rsplit("/", 1)[-1])


_ALGOS = {"sha256sum": "sha256", "sha1sum": "sha1", "md5sum": "md5", "sha512sum": "sha512"}


async def _digest(proc: Proc, prog: str) -> int:
    algo = _ALGOS[prog]
    try:
        opts, operands = getopt(proc.argv[1:], "cbtwz", long={"check": "c", "binary": "b", "text": "t",
                                                            "quiet": "q", "status": "s", "warn": "w",
                                                            "strict": "S", "ignore-missing": "i"})
    except UsageError as e:
        return await usage(proc, prog, str(e))
    f = {o for o, _ in opts}
    if "c" not in f:
        status = 0
        out = []
        for op in operands or ["-"]:
            try:
                if op == "-":
                    data = await proc.stdin.read()
                else:
                    p = hpath(proc, op)
                    if p.is_dir():
                        raise IsADirectoryError(21, "Is a directory")
                    data = p.read_bytes()
            except OSError as e:
                await proc.err(f"{prog}: {op}: {strerror(e)}\n")
                status = 1
                continue
            esc, name = _escape_sum_name(op)
            out.append(f"{esc}{hashlib.new(algo, data).hexdigest()}  {name}\n")
        await proc.out("".join(out).encode(errors="surrogateescape"))
        return status
    status = 0
    bad = missing = improper = 0
    out = []
    for listname in operands or ["-"]:
        try:
            if listname == "-":
                listing = (await proc.stdin.read()).decode(errors="surrogateescape")
            else:
                listing = hpath(proc, listname).read_bytes().decode(errors="surrogateescape")
        except OSError as e:
            await proc.err(f"{prog}: {listname}: {strerror(e)}\n")
            status = 1
            continue
        good_lines = 0
        for line in listing.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            esc = line.startswith("\\")
            body = line[1:] if esc else line
            digest, sep, name = body.partition(" ")
            if len(name) < 1 or name[0] not in " *" or len(digest) != hashlib.new(algo).digest_size * 2:
                improper += 1
                continue
            name = name[1:]
            if esc:
                name = name.replace("\\n", "\n").replace("\\\\", "\\")
            good_lines += 1
            try:
                data = hpath(proc, name).read_bytes()
            except OSError as e:
                if "i" in f:
                    continue
                await proc.err(f"{prog}: {name}: {strerror(e)}\n")
                if "s" not in f:
                    out.append(f"{name}: FAILED open or read\n")
                missing += 1
                continue
            ok = hashlib.new(algo, data).hexdigest() == digest.lower()
            if not ok:
                bad += 1
            if "s" not in f and not (ok and "q" in f):
                out.append(f"{name}: {'OK' if ok else 'FAILED'}\n")
        if good_lines == 0:
            await proc.err(f"{prog}: {listname}: no properly formatted checksum lines found\n")
            status = 1
    await proc.out("".join(out).encode(errors="surrogateescape"))
    if "s" not in f:
        if improper:
            await proc.err(f"{prog}: WARNING: {improper} line{'s are' if improper > 1 else ' is'} "
                           "improperly formatted\n")
        if missing:
            await proc.err(f"{prog}: WARNING: {missing} listed file{'s' if missing > 1 else ''} could not be read\n")
        if bad:
            await proc.err(f"{prog}: WARNING: {bad} computed checksum{'s' if bad > 1 else ''} did NOT match\n")
    if bad or missing or ("S" in f and improper):
        status = 1
    return status
