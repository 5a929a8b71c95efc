#!/usr/bin/python3
"""Marks one symbol-version requirement of an ELF64 shared library weak (VER_FLG_WEAK in .gnu.version_r).

Usage: elf_weak_version.py LIBRARY VERSION   e.g. libLibTorchSharp.so GLIBCXX_3.4.32
A weak requirement lets the dynamic loader accept a libstdc++ that lacks the version; the symbol itself must then
come from another loaded library (environment/repair-torchsharp.sh adds one). Prints how many entries it changed.
"""
import struct
import sys

VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6FFFFFFE


def mark_weak(path, version):
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, _ = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    changed = 0
    for sec in sections:
        if sec[1] != SHT_GNU_VERNEED:
            continue
        strings = sections[sec[6]][4]          # sh_link -> string table, its file offset
        entry = sec[4]
        for _ in range(sec[7]):                # sh_info = number of Verneed entries
            _, count, _, aux, next_entry = struct.unpack_from("<HHIII", data, entry)
            a = entry + aux
            for _ in range(count):
                _, flags, _, name, next_aux = struct.unpack_from("<IHHII", data, a)
                start = strings + name
                if data[start:data.index(b"\0", start)] == version and not flags & VER_FLG_WEAK:
                    struct.pack_into("<H", data, a + 4, flags | VER_FLG_WEAK)
                    changed += 1
                a += next_aux
            entry += next_entry
    if changed:
        tmp = path + ".tmp"
        open(tmp, "wb").write(data)
        import os
        os.replace(tmp, path)
    return changed


if __name__ == "__main__":
    print(mark_weak(sys.argv[1], sys.argv[2].encode()))
