#!/usr/bin/env python3
"""Usage: btf-from-image.py IMAGE OUT -- carve the raw .BTF blob out of a kernel
image (vmlinuz/bzImage/arm64 Image, plain or gzip/xz/bzip2/zstd-compressed, or vmlinux)."""
import bz2, lzma, struct, subprocess, sys, zlib

def carve(d):
    # BTF header: magic u16 (0xeB9F), version u8, flags u8, hdr_len, type_off,
    # type_len, str_off, str_len (u32 each). Keep the largest consistent one.
    best, i = None, d.find(b"\x9f\xeb\x01\x00")
    while i >= 0:
        hl, to, tl, so, sl = struct.unpack_from("<5I", d, i + 4)
        n = hl + so + sl
        if hl == 24 and to == 0 and so == tl and i + n <= len(d) and (not best or n > len(best)):
            best = d[i:i + n]
        i = d.find(b"\x9f\xeb\x01\x00", i + 1)
    return best

def payloads(d):
    # Uncompressed first, then every embedded gzip/xz/bzip2/zstd stream (zstd via the CLI).
    yield d
    for magic, dec in ((b"\x1f\x8b\x08", lambda s: zlib.decompressobj(31).decompress(s)),
                       (b"\xfd7zXZ\x00", lambda s: lzma.LZMADecompressor().decompress(s)),
                       (b"BZh", lambda s: bz2.BZ2Decompressor().decompress(s)),
                       (b"\x28\xb5\x2f\xfd", lambda s: subprocess.run(["zstd", "-dcq"], input=s,
                                                              capture_output=True).stdout)):
        i = d.find(magic)
        while i >= 0:
            try:
                yield dec(d[i:])
            except Exception:
                pass
            i = d.find(magic, i + 1)

for p in payloads(open(sys.argv[1], "rb").read()):
    btf = carve(p)
    if btf and len(btf) > 1 << 20:
        open(sys.argv[2], "wb").write(btf)
        sys.exit(0)
sys.exit("no BTF found in " + sys.argv[1])
