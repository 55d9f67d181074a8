"""Finding a benchmark's videos under a user's video root.

Layouts understood, tried in this order for a video id `ID` (which may carry its
own extension, like OVBench's "AIAqkAAXnjg.mp4"):

    <root>/ID                      ID names a file
    <root>/ID.<ext>                ext in VIDEO_EXTENSIONS (also for ID's stem)
    <root>/<subset>/ID[.<ext>]     subset folder, any letter case ("COIN", "coin")
    <root>/<dir of image_file>/    a folder of frames (OVBench TAO: val/HACS/<ID>/frame0001.jpg)
    <root>/[<subset>/]ID/          a folder of frames

A folder counts as frames when it holds image files; they are shown in name
order at the record's frame rate (see `streamer.eval.frames`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VIDEO_EXTENSIONS = (".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v", ".flv", ".mpg", ".ts")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


@dataclass(frozen=True)
class Found:
    path: Path
    frames: bool  # a folder of frames rather than a video file


class VideoRoot:
    """Looks video ids up under one folder (the listing of subset folders is cached)."""

    def __init__(self, root: str | Path | None) -> None:
        self.root = Path(root).expanduser() if root else None
        self._subdirs: dict[str, Path] | None = None

    def find(self, video_id: str, subset: str = "", image_file: str | None = None) -> Found | None:
        """Where `video_id` lives under the root, or None (no root, not there, or no file name).

        An annotation's id is data: one that cannot name a file here (too long, a NUL)
        is a video that is not found, like any other.
        """
        if self.root is None or not video_id:
            return None
        try:
            return self._find(video_id, subset, image_file)
        except (OSError, ValueError):
            return None

    def _find(self, video_id: str, subset: str, image_file: str | None) -> Found | None:
        assert self.root is not None
        bases = [self.root]
        sub = self._subset_dir(subset)
        if sub is not None:
            bases.append(sub)
        for base in bases:
            path = _video_file(base, video_id)
            if path is not None:
                return Found(path, frames=False)
        folders = [self.root / Path(image_file).parent] if image_file else []
        folders += [base / video_id for base in bases]
        for folder in folders:
            if _has_images(folder):
                return Found(folder, frames=True)
        return None

    def _subset_dir(self, subset: str) -> Path | None:
        if not subset or self.root is None:
            return None
        if self._subdirs is None:
            self._subdirs = (
                {p.name.lower(): p for p in self.root.iterdir() if p.is_dir()}
                if self.root.is_dir()
                else {}
            )
        return self._subdirs.get(subset.lower())


def _video_file(base: Path, video_id: str) -> Path | None:
    direct = base / video_id
    if direct.is_file():
        return direct
    stem = video_id
    if Path(video_id).suffix.lower() in VIDEO_EXTENSIONS:
        stem = video_id[: -len(Path(video_id).suffix)]
    for ext in VIDEO_EXTENSIONS:
        path = base / f"{stem}{ext}"
        if path.is_file():
            return path
    return None


def _has_images(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return any(p.suffix.lower() in IMAGE_EXTENSIONS for p in folder.iterdir())


def frame_files(folder: Path) -> list[Path]:
    """The image files of a frame folder, in name order (the order they are shown in)."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
