#!/usr/bin/env python3
"""Packs the iamtrim binary out of a maturin wheel (bindings = "bin") into the standalone release
archive that the GitHub Action downloads: iamtrim-TARGET.tar.gz (iamtrim-TARGET.zip for Windows)
holding iamtrim-TARGET/iamtrim[.exe], and iamtrim-TARGET.<ext>.sha256 beside it (sha256sum's
format). Standard library only, so it runs the same on every release runner.

    package.py WHEEL_DIR TARGET OUT_DIR
"""

import hashlib
import io
import pathlib
import sys
import tarfile
import zipfile


def binary_from_wheels(wheel_dir: pathlib.Path, exe: str) -> bytes:
    wheels = sorted(wheel_dir.glob("*.whl"))
    if len(wheels) != 1:
        sys.exit(f"expected one wheel in {wheel_dir}, found {[w.name for w in wheels]}")
    with zipfile.ZipFile(wheels[0]) as whl:
        names = [n for n in whl.namelist() if n.endswith(f".data/scripts/{exe}")]
        if len(names) != 1:
            sys.exit(f"{wheels[0].name}: expected one */.data/scripts/{exe}, found {names}")
        return whl.read(names[0])


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    wheel_dir, target, out_dir = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
    windows = "windows" in target
    exe = "iamtrim.exe" if windows else "iamtrim"
    data = binary_from_wheels(wheel_dir, exe)
    out_dir.mkdir(parents=True, exist_ok=True)
    member = f"iamtrim-{target}/{exe}"
    if windows:
        archive = out_dir / f"iamtrim-{target}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(member, data)
    else:
        archive = out_dir / f"iamtrim-{target}.tar.gz"
        with tarfile.open(archive, "w:gz") as t:
            info = tarfile.TarInfo(member)
            info.size = len(data)
            info.mode = 0o755
            t.addfile(info, io.BytesIO(data))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (out_dir / f"{archive.name}.sha256").write_text(f"{digest}  {archive.name}\n")
    print(f"{archive}: {digest}")


if __name__ == "__main__":
    main()
