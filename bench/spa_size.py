"""The production build's size: the JavaScript and CSS loaded on first load of a page, gzipped.

Run alone with ``python -m bench.spa_size`` (``make bench`` runs it too, after the load test).
By default it builds the SPA with ``npm run build`` into a temporary folder (so that
frontend/dist, which the server and other tools may be using, is left alone); ``--dist`` measures
an existing build instead (frontend/dist when no folder is named).

What a page loads is read from Vite's build manifest (dist/.vite/manifest.json, written because
frontend/vite.config.ts sets ``build.manifest``): the entry chunk (index.html) and its static
imports, then each lazily loaded route component the page renders (from frontend/src/router) and
their static imports, followed transitively. That is what the browser fetches: the entry's
imports are modulepreloaded from index.html, and Vite's preload helper fetches a lazy chunk's
imports and CSS with it. CSS is summed apart: the CSS files of every chunk in that set.

Sizes are of the files as built (raw) and gzipped at level 6, as a typical server compresses
them; kB is 1000 bytes. The target (the workbench's first-load JavaScript under 300 kB gzipped)
is reported, it does not fail the run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FRONTEND = ROOT / "frontend"
RESULTS = ROOT / "bench" / "results"
MANIFEST = Path(".vite") / "manifest.json"
ENTRY = "index.html"
GZIP_LEVEL = 6
TARGET_JS_GZIP = 300_000  # bytes: the workbench's first-load JavaScript, gzipped

# The route components each page renders on first load, outermost first, as the manifest names
# them (their source paths): see the lazy `component: () => import(...)` in src/router/index.ts.
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "login": ("/login", ("src/views/LoginView.vue",)),
    "workbench": ("/", ("src/layouts/AppLayout.vue", "src/views/WorkbenchView.vue")),
}

Manifest = dict[str, dict[str, Any]]


class SpaSizeError(Exception):
    """The build failed or its manifest is not what this report reads."""


class SpaSizeSkipped(SpaSizeError):
    """There is nothing to build with here (no npm, or no node_modules)."""


@dataclass
class Sizes:
    files: int = 0
    raw: int = 0
    gzip: int = 0

    def add(self, data: bytes) -> None:
        self.files += 1
        self.raw += len(data)
        self.gzip += len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))

    def as_dict(self) -> dict[str, int]:
        return {"files": self.files, "raw": self.raw, "gzip": self.gzip}


def build(out_dir: Path) -> float:
    """`npm run build` (type check, then vite build) into out_dir; returns the seconds it took."""
    npm = shutil.which("npm")
    if not npm:
        raise SpaSizeSkipped("npm not found: install Node.js 20+ to build the SPA")
    if not (FRONTEND / "node_modules").is_dir():
        raise SpaSizeSkipped("frontend/node_modules is missing: run `npm ci` in frontend/ first")
    started = time.perf_counter()
    done = subprocess.run(
        [npm, "run", "build", "--", "--outDir", str(out_dir), "--emptyOutDir"],
        cwd=FRONTEND,
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SpaSizeError(f"npm run build failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return time.perf_counter() - started


def load_manifest(dist: Path) -> Manifest:
    path = dist / MANIFEST
    if not path.is_file():
        raise SpaSizeError(
            f"{path} not found: build with build.manifest enabled (frontend/vite.config.ts)"
        )
    manifest: Manifest = json.loads(path.read_text())
    if not manifest.get(ENTRY, {}).get("isEntry"):
        raise SpaSizeError(f"{path}: no entry chunk for {ENTRY}")
    return manifest


def closure(manifest: Manifest, roots: tuple[str, ...]) -> list[str]:
    """The manifest keys of roots and of everything they import statically, in load order."""
    seen: list[str] = []
    stack = list(reversed(roots))
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        if key not in manifest:
            raise SpaSizeError(f"the manifest has no chunk {key!r} (was the router changed?)")
        seen.append(key)
        stack.extend(reversed(manifest[key].get("imports", [])))
    return seen


def page_sizes(dist: Path, manifest: Manifest, views: tuple[str, ...]) -> dict[str, Any]:
    lazy = set(manifest[ENTRY].get("dynamicImports", []))
    missing = [v for v in views if v not in lazy]
    if missing:
        raise SpaSizeError(f"not lazily imported by the entry chunk: {', '.join(missing)}")
    chunks = closure(manifest, (ENTRY, *views))
    js, css = Sizes(), Sizes()
    css_files: list[str] = []
    for key in chunks:
        js.add((dist / manifest[key]["file"]).read_bytes())
        css_files += [f for f in manifest[key].get("css", []) if f not in css_files]
    for name in css_files:
        css.add((dist / name).read_bytes())
    return {
        "views": list(views),
        "js": js.as_dict(),
        "css": css.as_dict(),
        "chunks": [manifest[key]["file"] for key in chunks],
        "css_files": css_files,
    }


def whole_build(dist: Path) -> dict[str, dict[str, int]]:
    js, css = Sizes(), Sizes()
    for path in sorted((dist / "assets").iterdir()):
        if path.suffix == ".js":
            js.add(path.read_bytes())
        elif path.suffix == ".css":
            css.add(path.read_bytes())
    return {"js": js.as_dict(), "css": css.as_dict()}


def measure(dist: Path | None = None) -> dict[str, Any]:
    """Build (dist None) or read an existing build, and size each page's first load."""
    tmp = None
    try:
        build_seconds = None
        if dist is None:
            tmp = Path(tempfile.mkdtemp(prefix="huiyin-spa-"))
            dist = tmp / "dist"
            build_seconds = round(build(dist), 1)
        manifest = load_manifest(dist)
        pages = {
            name: {"path": path, **page_sizes(dist, manifest, views)}
            for name, (path, views) in PAGES.items()
        }
        workbench_js = pages["workbench"]["js"]["gzip"]
        return {
            "dist": "temporary build" if tmp else str(dist),
            "build_seconds": build_seconds,
            "gzip_level": GZIP_LEVEL,
            "pages": pages,
            "whole_build": whole_build(dist),
            "target": {
                "what": "workbench first-load JS, gzipped",
                "max_bytes": TARGET_JS_GZIP,
                "bytes": workbench_js,
                "met": workbench_js <= TARGET_JS_GZIP,
            },
        }
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def kb(n: int) -> str:
    return f"{n / 1000:.1f}"


def print_table(report: dict[str, Any]) -> None:
    built = (
        f"built in {report['build_seconds']} s"
        if report["build_seconds"] is not None
        else f"from {report['dist']}"
    )
    print(f"SPA first load, {built}; kB = 1000 bytes, gzip level {report['gzip_level']}")
    head = (
        f"{'page':<11}{'path':<8}{'JS files':>9}{'JS kB':>9}{'JS gz kB':>10}"
        f"{'CSS files':>10}{'CSS kB':>9}{'CSS gz kB':>10}"
    )
    print(head)
    print("-" * len(head))
    rows = [(name, page["path"], page) for name, page in report["pages"].items()]
    rows.append(("whole build", "", report["whole_build"]))
    for name, path, sizes in rows:
        js, css = sizes["js"], sizes["css"]
        print(
            f"{name:<11}{path:<8}{js['files']:>9}{kb(js['raw']):>9}{kb(js['gzip']):>10}"
            f"{css['files']:>10}{kb(css['raw']):>9}{kb(css['gzip']):>10}"
        )
    target = report["target"]
    verdict = "met" if target["met"] else "NOT met"
    print(f"target: {target['what']} ≤ {kb(target['max_bytes'])} kB: {verdict}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--dist",
        nargs="?",
        const=FRONTEND / "dist",
        type=Path,
        help="measure this existing build (default frontend/dist) instead of building",
    )
    ap.add_argument("--json", action="store_true", help="print the report as JSON, no table")
    args = ap.parse_args()
    try:
        report = measure(args.dist)
    except SpaSizeError as exc:
        print(f"spa_size: {exc}", file=sys.stderr)
        return 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    (RESULTS / "spa-size-latest.json").write_text(text)
    if args.json:
        print(text, end="")
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
