"""What of the packaged weights is installed here, for `launch.py models list`.

Locating and verifying stay in `weights.py`; this only asks it, without
assembling anything unless `verify` is set (then exactly as a model load would).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.weights import SPECS, ModelMissingError, WeightSpec, ensure, package_file

__all__ = ["PackagedStatus", "packaged"]


@dataclass(frozen=True)
class PackagedStatus:
    """One packaged model and whether it is here."""

    name: str  # "Whisper base"
    key: str  # cache folder name, "whisper-base"
    state: str  # "verified" (sha256 checked), "present" (installed, not hashed), "missing"
    hint: str  # what to do when missing or damaged: a pip command; "" when fine


def status(spec: WeightSpec, verify: bool = False) -> PackagedStatus:
    """Installed or not; with `verify`, also the pinned sha256 (may assemble into the cache)."""
    if any(package_file(p) is None for p in (*spec.parts, *spec.extras)):
        return PackagedStatus(spec.name, spec.key, "missing", spec.install_hint)
    if not verify:
        return PackagedStatus(spec.name, spec.key, "present", "")
    try:
        ensure(spec)
    except ModelMissingError as e:
        return PackagedStatus(spec.name, spec.key, "damaged", str(e))
    return PackagedStatus(spec.name, spec.key, "verified", "")


def packaged(verify: bool = False) -> list[PackagedStatus]:
    """Every packaged model in `weights.SPECS` order."""
    return [status(spec, verify) for spec in SPECS.values()]
