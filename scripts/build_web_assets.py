"""Vendor the web console's JavaScript from the npm registry into the package (run by a developer).

    python scripts/build_web_assets.py            # fetch the pinned versions, copy, record
    python scripts/build_web_assets.py --check    # verify the committed files against MANIFEST

Each package is fetched with ``npm pack NAME@VERSION`` into a temporary folder (the registry's
integrity hash is checked by npm), the minified file and the licence are copied to
``src/forewarn/web/static/vendor/`` and recorded with their SHA-256 in ``vendor/MANIFEST.json``.
Nothing is downloaded at install or run time; the pages never reference a CDN.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "src/forewarn/web/static/vendor"

# name, version, licence, {file in the npm tarball: name in vendor/}
PACKAGES: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "echarts",
        "5.6.0",
        "Apache-2.0",
        {
            "package/dist/echarts.min.js": "echarts.min.js",
            "package/LICENSE": "LICENSE.echarts",
            "package/NOTICE": "NOTICE.echarts",
        },
    ),
    (
        "htmx.org",
        "2.0.11",
        "0BSD",
        {"package/dist/htmx.min.js": "htmx.min.js", "package/LICENSE": "LICENSE.htmx"},
    ),
]


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(name: str, version: str, files: dict[str, str], work: Path) -> None:
    """``npm pack`` one package into `work` and copy its `files` into the vendor folder."""
    out = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(work)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = work / out.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as tar:
        for member, target in files.items():
            extracted = tar.extractfile(member)
            if extracted is None:
                raise SystemExit(f"{name}@{version}: {member} is not a file")
            (VENDOR / target).write_bytes(extracted.read())


def build() -> int:
    """Fetch every pinned package and write the manifest."""
    VENDOR.mkdir(parents=True, exist_ok=True)
    manifest = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, licence, files in PACKAGES:
            fetch(name, version, files, Path(tmp))
            manifest.append(
                {
                    "package": name,
                    "version": version,
                    "licence": licence,
                    "files": {t: sha256(VENDOR / t) for t in files.values()},
                }
            )
            print(f"{name}@{version}: {', '.join(files.values())}")
    (VENDOR / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return 0


def check() -> int:
    """Compare the vendored files with the manifest; non-zero on any difference."""
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text("utf-8"))
    bad = [
        f"{entry['package']}: {name}"
        for entry in manifest
        for name, digest in entry["files"].items()
        if not (VENDOR / name).is_file() or sha256(VENDOR / name) != digest
    ]
    for line in bad:
        print(f"differs or missing: {line}", file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify instead of fetching")
    args = parser.parse_args(argv)
    if shutil.which("npm") is None and not args.check:
        raise SystemExit("npm is needed to fetch the assets")
    return check() if args.check else build()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
