"""The Xet storage side of the stand-in Hub: what huggingface_hub + hf_xet talk to when Xet is on.

With `hf_xet` installed (and HF_HUB_DISABLE_XET unset) huggingface_hub 2.x uploads every LFS file
through Xet: it asks the Hub for a write token (`/api/<type>s/<repo>/xet-write-token/<rev>` →
casUrl + accessToken), hf_xet then talks to the CAS service with that token (never the Hub token):

- `GET /v1/chunks/<prefix>/<hash>`: global dedup query; 404 = chunk unknown;
- `POST /v1/xorb-grants/...`: 404 here, so the client uploads each xorb directly:
- `POST /v1/xorbs/<prefix>/<hash>`: a xorb = chunk records (8-byte header + payload);
- `POST /v2/shards`: 404 here, so the client falls back to `POST /v1/shards`: the shard lists each
  file's terms (xorb, chunk range) and its SHA-256, which the commit then names as the LFS oid.

The stand-in parses both formats, checks that every term refers to uploaded xorb chunks whose
unpacked sizes add up, rebuilds the file bytes (chunks are stored raw, LZ4 or byte-grouped LZ4; the
LZ4 frame decoder is here, so no extra package is needed), checks the rebuilt bytes' SHA-256 against
the shard's and keeps {sha256: FileRecord} so the commit can resolve `lfsFile` oids.
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
from dataclasses import dataclass

SHARD_TAG = b"HFRepoMetaData\x00UigEj{\x81W\x83\xa5\xbd\xd9\\\xcd\xd1J\xa9"
FLAG_VERIFICATION = 0x8000_0000
FLAG_METADATA_EXT = 0x4000_0000
BOOKEND = b"\xff" * 32
NONE, LZ4, BG4_LZ4 = 0, 1, 2


def hash_hex(raw: bytes) -> str:
    """A 32-byte Xet hash as its hex string (each 8-byte group read as a little-endian u64)."""
    return "".join(raw[i:i + 8][::-1].hex() for i in range(0, 32, 8))


@dataclass
class Chunk:
    scheme: int
    payload: bytes
    unpacked: int

    def data(self) -> bytes | None:
        """The chunk's bytes, or None when its compression cannot be undone here."""
        if self.scheme == NONE:
            return self.payload
        raw = lz4_frame_decompress(self.payload)
        if self.scheme == LZ4:
            return raw
        # byte grouping 4: byte i of the original sits in group i % 4 (groups concatenated)
        n, out = len(raw), bytearray(len(raw))
        sizes = [n // 4 + (1 if g < n % 4 else 0) for g in range(4)]
        pos = 0
        for g, size in enumerate(sizes):
            out[g::4] = raw[pos:pos + size]
            pos += size
        return bytes(out)


def _extended(src: bytes, pos: int, length: int) -> tuple[int, int]:
    """LZ4's length extension: while the nibble says 15, add bytes until one is not 255."""
    while True:
        extra = src[pos]
        pos += 1
        length += extra
        if extra != 255:
            return length, pos


def lz4_block_decompress(src: bytes, out: bytearray) -> None:
    """Append one LZ4 block's output to `out` (literals + back-references into what came before)."""
    pos = 0
    while pos < len(src):
        token = src[pos]
        pos += 1
        length = token >> 4
        if length == 15:
            length, pos = _extended(src, pos, length)
        out += src[pos:pos + length]
        pos += length
        if pos >= len(src):
            return  # the last sequence has literals only
        offset = src[pos] | (src[pos + 1] << 8)
        pos += 2
        match = (token & 15) + 4
        if token & 15 == 15:
            match, pos = _extended(src, pos, match)
        if not 0 < offset <= len(out):
            raise ValueError("LZ4 back-reference before the start of the output")
        start = len(out) - offset
        for i in range(match):  # byte by byte: a match may overlap the bytes it is producing
            out.append(out[start + i])


def lz4_frame_decompress(data: bytes) -> bytes:
    """An LZ4 frame (magic 0x184D2204) as hf_xet writes its compressed chunks."""
    if int.from_bytes(data[:4], "little") != 0x184D2204:
        raise ValueError("not an LZ4 frame")
    flg = data[4]
    pos = 7 + (8 if flg & 0x08 else 0) + (4 if flg & 0x01 else 0)  # FLG BD [size] [dict id] HC
    block_checksum = bool(flg & 0x10)
    out = bytearray()
    while True:
        size = int.from_bytes(data[pos:pos + 4], "little")
        pos += 4
        if size == 0:
            return bytes(out)
        n = size & 0x7FFFFFFF
        block = data[pos:pos + n]
        if size & 0x80000000:
            out += block  # stored uncompressed
        else:
            lz4_block_decompress(block, out)
        pos += n + (4 if block_checksum else 0)


def parse_xorb(body: bytes) -> list[Chunk]:
    chunks, pos = [], 0
    while pos + 8 <= len(body):
        version = body[pos]
        if version > 1:
            break  # the footer (or anything not a chunk record) ends the chunk list
        compressed = int.from_bytes(body[pos + 1:pos + 4], "little")
        scheme = body[pos + 4]
        unpacked = int.from_bytes(body[pos + 5:pos + 8], "little")
        payload = body[pos + 8:pos + 8 + compressed]
        if len(payload) != compressed or scheme not in (NONE, LZ4, BG4_LZ4):
            raise ValueError(f"bad xorb chunk record at byte {pos}")
        chunks.append(Chunk(scheme, payload, unpacked))
        pos += 8 + compressed
    if not chunks:
        raise ValueError("xorb holds no chunk records")
    return chunks


@dataclass
class FileRecord:
    sha256: str
    size: int
    data: bytes | None  # None only for a chunk scheme this stand-in does not know


def parse_shard(body: bytes) -> list[tuple[str, list[tuple[str, int, int, int]]]]:
    """[(sha256 hex, [(xorb hex, chunk start, chunk end, unpacked bytes), ...]), ...] of a shard's files."""
    if body[:32] != SHARD_TAG or struct.unpack_from("<Q", body, 32)[0] != 2:
        raise ValueError("not a version-2 Xet shard")
    pos, files = 48, []
    while True:
        file_hash, flags, n = body[pos:pos + 32], *struct.unpack_from("<II", body, pos + 32)
        pos += 48
        if file_hash == BOOKEND:
            return files
        terms = []
        for _ in range(n):
            xorb = hash_hex(body[pos:pos + 32])
            _, unpacked, start, end = struct.unpack_from("<IIII", body, pos + 32)
            terms.append((xorb, start, end, unpacked))
            pos += 48
        if flags & FLAG_VERIFICATION:
            pos += 48 * n
        if not flags & FLAG_METADATA_EXT:
            raise ValueError("a shard file entry without its SHA-256 (a Hub git repo needs it)")
        files.append((hash_hex(body[pos:pos + 32]), terms))
        pos += 48


class XetStore:
    """The CAS service state: uploaded xorbs and the files their shards describe."""

    def __init__(self):
        self.token = "xet-access-" + hashlib.sha256(str(time.time()).encode()).hexdigest()[:16]
        self.xorbs: dict[str, list[Chunk]] = {}
        self.files: dict[str, FileRecord] = {}
        self.uploads = 0  # xorbs received

    def connection(self, cas_url: str) -> tuple[dict, dict]:
        exp = int(time.time()) + 3600
        body = {"casUrl": cas_url, "exp": exp, "accessToken": self.token}
        return body, {"X-Xet-Cas-Url": cas_url, "X-Xet-Access-Token": self.token, "X-Xet-Token-Expiration": str(exp)}

    def add_xorb(self, xorb: str, body: bytes) -> None:
        self.xorbs[xorb] = parse_xorb(body)
        self.uploads += 1

    def add_shard(self, body: bytes) -> None:
        for sha256, terms in parse_shard(body):
            parts: list[bytes | None] = []
            size = 0
            for xorb, start, end, unpacked in terms:
                chunks = self.xorbs.get(xorb)
                if chunks is None or not 0 <= start < end <= len(chunks):
                    raise ValueError(f"term refers to chunks {start}:{end} of xorb {xorb[:12]} never uploaded")
                span = chunks[start:end]
                if sum(c.unpacked for c in span) != unpacked:
                    raise ValueError(f"term of {sha256[:12]}: unpacked sizes do not add up")
                size += unpacked
                parts += [c.data() for c in span]
            data = b"".join(parts) if all(p is not None for p in parts) else None
            if data is not None and (len(data) != size or hashlib.sha256(data).hexdigest() != sha256):
                raise ValueError(f"file {sha256[:12]}: the rebuilt bytes do not have the SHA-256 the shard names")
            self.files[sha256] = FileRecord(sha256, size, data)


def token_json(store: XetStore, hub_url: str) -> tuple[bytes, dict]:
    body, headers = store.connection(hub_url + "/cas")
    return json.dumps(body).encode(), headers
