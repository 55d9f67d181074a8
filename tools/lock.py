"""The lock files: every Python package a `make` target installs, exact and hashed.

    python tools/lock.py compile   # `make lock`: resolve pyproject.toml again (minutes)
    python tools/lock.py check     # `make lint`: fail when pyproject.toml moved on
    python tools/lock.py moved T   # `make test-latest`: what differs from target T's lock

One lock a `make` target, for the Python the machines run (3.11). The largest set
(`llm`) is resolved first and the smaller ones are constrained to it, so `make run`
and `make test` install the same version of every package they share. torch is left
out: the Makefile installs its CPU build first, from whatever index pip is given
(its wheel's hash differs between the CPU index and PyPI).

Each lock starts with the sha256 of the pyproject.toml fields it was resolved from;
`check` recomputes it and also checks that every requirement pyproject.toml states is
met by a pin, so a hand edit on either side fails `make lint`.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK_DIR = ROOT / "requirements"
PROJECT = "streamer"
# Installed by the Makefile before the lock (the CPU build); never pinned here.
UNPINNED = ("torch",)
DIGEST_LINE = "# pyproject.toml sha256: "


@dataclass(frozen=True)
class Target:
    """One `make` target's set of extras, and the lock file that pins it."""

    name: str
    extras: tuple[str, ...]

    def path(self, python: str) -> Path:
        return LOCK_DIR / f"py{python.replace('.', '')}-{self.name}.lock"


# Largest first: the others are constrained to it.
TARGETS = (
    Target("llm", ("app", "test", "dev", "eval", "vlm", "llm")),  # make test-llm
    Target("test", ("app", "test", "dev", "eval", "vlm")),  # make test, make lint
    Target("app", ("app",)),  # make run
)
LOCKED_PYTHONS = ("3.11",)


def _python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def pyproject_digest() -> str:
    """sha256 of the fields a resolution depends on (not of the whole file)."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    fields = {
        "requires-python": project.get("requires-python"),
        "dependencies": project.get("dependencies", []),
        "optional-dependencies": project.get("optional-dependencies", {}),
        "unpinned": list(UNPINNED),
        "targets": [[t.name, list(t.extras)] for t in TARGETS],
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def pins(lock: Path) -> dict[str, Version]:
    """The `name==version` lines of a lock file."""
    found: dict[str, Version] = {}
    for line in lock.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", line)
        if m:
            found[canonicalize_name(m.group(1))] = Version(m.group(2))
    return found


def _requirements(extras: tuple[str, ...]) -> list[Requirement]:
    """pyproject.toml's requirements for these extras, self-references expanded."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    optional = project.get("optional-dependencies", {})
    reqs = [Requirement(r) for r in project.get("dependencies", [])]
    todo, seen = list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for spec in optional.get(extra, []):
            req = Requirement(spec)
            if canonicalize_name(req.name) == PROJECT:
                todo.extend(req.extras)
            else:
                reqs.append(req)
    return reqs


def problems(python: str = "3.11") -> list[str]:
    """What keeps the locks from matching pyproject.toml, one sentence each."""
    found, digest = [], pyproject_digest()
    env = {"python_version": python, "python_full_version": f"{python}.0"}
    for target in TARGETS:
        lock = target.path(python)
        if not lock.exists():
            found.append(f"{lock.relative_to(ROOT)} is missing: run `make lock`.")
            continue
        if f"{DIGEST_LINE}{digest}" not in lock.read_text():
            found.append(
                f"{lock.relative_to(ROOT)} was resolved from another pyproject.toml: "
                "run `make lock`."
            )
        pinned = pins(lock)
        for req in _requirements(target.extras):
            name = canonicalize_name(req.name)
            if name in UNPINNED or (req.marker and not req.marker.evaluate(env)):
                continue
            if name not in pinned:
                found.append(f"{lock.relative_to(ROOT)} does not pin {req.name}.")
            elif not req.specifier.contains(pinned[name], prereleases=True):
                found.append(
                    f"{lock.relative_to(ROOT)} pins {req.name}=={pinned[name]}, "
                    f"outside pyproject.toml's {req}."
                )
    return found


def _pip_compile(target: Target, out: Path, constraint: Path | None) -> None:
    cmd = [sys.executable, "-m", "piptools", "compile", "--quiet", "--no-header"]
    cmd += ["--generate-hashes", "--strip-extras", "--no-emit-index-url"]
    cmd += ["--no-emit-find-links", "--output-file", str(out)]
    cmd += [f"--unsafe-package={name}" for name in UNPINNED]
    cmd += [f"--extra={extra}" for extra in target.extras]
    if constraint is not None:
        cmd += ["--constraint", str(constraint)]
    subprocess.run([*cmd, PYPROJECT.name], check=True, cwd=PYPROJECT.parent)


def _tidy(text: str, target: Target, python: str) -> str:
    """Our header; no line for the project itself; no pip-compile warnings."""
    kept, skip = [], False
    for line in text.splitlines():
        if line.startswith("# WARNING"):
            skip = True
        if skip:
            if line.startswith("#") or line.strip() == "":
                continue
            skip = False
        if line.startswith(f"{PROJECT} @ "):
            skip = True  # its "# via" lines follow
            continue
        kept.append(line)
    header = [
        f"# Python {python}, `make` target {target.name!r}: extras {', '.join(target.extras)}.",
        "# Generated by `make lock` (tools/lock.py, pip-compile); do not edit by hand.",
        f"# {', '.join(UNPINNED)} is not here: the Makefile installs its CPU build first.",
        f"{DIGEST_LINE}{pyproject_digest()}",
        "",
    ]
    return "\n".join(header + kept).rstrip() + "\n"


def compile_locks() -> None:
    python = _python()
    if python not in LOCKED_PYTHONS:
        sys.exit(f"The locks are for Python {', '.join(LOCKED_PYTHONS)}; this is {python}.")
    LOCK_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        constraint = None
        for target in TARGETS:
            out = Path(tmp) / f"{target.name}.txt"
            print(f"resolving {target.name} ({', '.join(target.extras)}) ...", flush=True)
            _pip_compile(target, out, constraint)
            target.path(python).write_text(_tidy(out.read_text(), target, python))
            if constraint is None:  # the largest set: the others keep its versions
                constraint = Path(tmp) / "constraint.txt"
                constraint.write_text("\n".join(f"{n}=={v}" for n, v in pins(out).items()))
    print(f"{len(TARGETS)} locks written to {LOCK_DIR.relative_to(ROOT)}/")


def moved(target_name: str) -> list[str]:
    """How the running interpreter's packages differ from a target's lock, a line each."""
    from importlib.metadata import distributions

    (target,) = [t for t in TARGETS if t.name == target_name]
    locked = pins(target.path(_python()))
    installed = {canonicalize_name(d.metadata["Name"]): Version(d.version) for d in distributions()}
    lines = []
    for name in sorted(set(locked) | set(installed)):
        old, new = locked.get(name), installed.get(name)
        if name in (PROJECT, *UNPINNED) or old == new:
            continue
        lines.append(f"{name}: {old or 'not locked'} -> {new or 'not installed'}")
    return lines


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "compile":
        compile_locks()
    elif command == "check":
        found = problems()
        for sentence in found:
            print(sentence, file=sys.stderr)
        if found:
            sys.exit(1)
        print(f"locks match pyproject.toml ({', '.join(t.name for t in TARGETS)})")
    elif command == "moved" and len(sys.argv) == 3:
        lines = moved(sys.argv[2])
        print(f"{len(lines)} packages differ from the {sys.argv[2]} lock:", *lines, sep="\n  ")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
