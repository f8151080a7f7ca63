"""The tar streams `flux dump` writes and `flux restore` reads, as libarchive makes and accepts them.

The stream is written by hand (POSIX ustar headers): a 100k-job dump has ~700k entries and tarfile's
per-member overhead would dominate.  Compression is chosen by extension like libarchive's
archive_write_set_format_filter_by_ext, and recognised by its magic bytes when reading.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import pathlib
import zlib
from collections.abc import Callable, Iterable


def _header(name: str, size: int, mtime: int, typeflag: bytes = b"0", linkname: str = "") -> bytes:
    nb = name.encode()
    prefix = b""
    if len(nb) > 100:
        cut = nb.rfind(b"/", 0, 155)
        prefix, nb = nb[:cut], nb[cut + 1:]
    h = bytearray(512)
    h[0:len(nb)] = nb
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"%011o\0" % mtime
    h[148:156] = b"        "
    h[156:157] = typeflag
    lb = linkname.encode()
    h[157:157 + len(lb)] = lb
    h[257:265] = b"ustar\x0000"
    h[265:269] = b"root"
    h[297:301] = b"root"
    h[345:345 + len(prefix)] = prefix
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def compressor_for(path: str):
    """(name, factory) for the archive extension, or None when libarchive would not know it."""
    p = path.lower()
    if p.endswith((".tar.gz", ".tgz")):
        return lambda: zlib.compressobj(6, zlib.DEFLATED, 31)
    if p.endswith(".tar.bz2"):
        return lambda: bz2.BZ2Compressor(9)
    if p.endswith((".tar.xz", ".txz")):
        return lambda: lzma.LZMACompressor(format=lzma.FORMAT_XZ)
    if p.endswith(".tar"):
        return lambda: None
    return None


def write_archive(entries: Iterable[tuple[str, bytes | None, str]], fh, comp_factory, mtime: float,
                  on_key: Callable[[str, int], None]) -> int:
    """Write (key, value or None for a symlink, link target) entries as one tar stream; the entry count."""
    comp = comp_factory() if comp_factory else None
    mtime = int(mtime)
    buf: list[bytes] = []
    size = 0
    count = 0

    def flush(final: bool = False) -> None:
        nonlocal buf, size
        data = b"".join(buf)
        buf, size = [], 0
        if comp is not None:
            data = comp.compress(data) + (comp.flush() if final else b"")
        if data:
            fh.write(data)

    for key, value, link in entries:
        if value is None:
            buf.append(_header(key, 0, 0, b"2", link))
        else:
            buf.append(_header(key, len(value), mtime))
            buf.append(value)
            pad = (-len(value)) % 512
            if pad:
                buf.append(b"\0" * pad)
            size += len(value)
        size += 512
        count += 1
        on_key(key, count)
        if size > (1 << 20):
            flush()
    buf.append(b"\0" * 1024)
    flush(final=True)
    return count


class ArchiveError(ValueError):
    """The file is not a readable dump (what libarchive refuses)."""


def _checksum_ok(header: bytes) -> bool:
    try:
        stored = int(header[148:156].replace(b"\0", b" ").strip() or b"-1", 8)
    except ValueError:
        return False
    return stored == sum(header[:148]) + 8 * 32 + sum(header[156:512])


def read_archive(path: pathlib.Path) -> dict[str, tuple[str, bytes]]:
    """key -> ('file'|'link', value) for a tar archive in any of the dump formats."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    elif raw[:3] == b"BZh":
        raw = bz2.decompress(raw)
    elif raw[:6] == b"\xfd7zXZ\x00":
        raw = lzma.decompress(raw)
    out: dict[str, tuple[str, bytes]] = {}
    pos, n = 0, len(raw)
    if n < 512:
        raise ArchiveError("Truncated tar archive" if n else "Empty input file")
    while pos + 512 <= n:
        h = raw[pos:pos + 512]
        if h[0] == 0:
            break
        if not _checksum_ok(h):
            # libarchive's wording, as `flux restore` prints it
            raise ArchiveError("Unrecognized archive format" if pos == 0 else "Damaged tar archive")
        name = h[0:100].split(b"\0", 1)[0].decode()
        prefix = h[345:500].split(b"\0", 1)[0].decode()
        if prefix and h[257:262] == b"ustar":
            name = prefix + "/" + name
        size = int(h[124:136].split(b"\0", 1)[0].strip() or b"0", 8)
        flag = h[156:157]
        pos += 512
        if flag == b"2":
            out[name] = ("link", h[157:257].split(b"\0", 1)[0])
        elif flag in (b"0", b"\0"):
            out[name] = ("file", raw[pos:pos + size])
        pos += size + ((-size) % 512)
    return out
