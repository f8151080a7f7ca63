"""The real flux-core 0.88 transcripts in tests/fixtures/flux-real, as blocks of command, exit code and output."""

from __future__ import annotations

import re
from pathlib import Path

REAL = Path(__file__).resolve().parent / "fixtures" / "flux-real"


def load_blocks(name: str) -> list[dict]:
    """Every `$ cmd` block of a transcript: cmd, exit, stdout, stderr (raw text)."""
    text = (REAL / name).read_bytes().decode()  # keep \r (flux dump progress)
    blocks = []
    for chunk in text.split("================================================================\n")[1:]:
        if not chunk.startswith("$ "):
            continue
        cmd, _nl, rest = chunk.partition("\n")
        m = re.match(r"--- exit=(\d+) elapsed=\S+\n--- stdout:\n(.*?)--- stderr:\n(.*)", rest, re.S)
        if not m:
            continue
        stderr = re.split(r"^(?=#|\[outer)", m.group(3), flags=re.M)[0]
        blocks.append({"cmd": cmd[2:], "exit": int(m.group(1)), "stdout": m.group(2), "stderr": stderr})
    return blocks


def block(name: str, cmd: str, nth: int = 0) -> dict:
    found = [b for b in load_blocks(name) if b["cmd"] == cmd]
    return found[nth]


F58 = re.compile(r"(?<!\w)[ƒf][1-9A-HJ-NP-Za-km-z]{2,12}\b")


def norm(text: str) -> str:
    """Replace job ids (keeping their width), times and durations; everything else stays exact."""
    text = F58.sub(lambda m: m.group(0)[0] + "ID", text)
    text = re.sub(r"\d+\.\d+s\b", lambda m: "T" * len(m.group(0)), text)
    text = re.sub(r"\b\d{10}\.\d+", "TS", text)
    return text
