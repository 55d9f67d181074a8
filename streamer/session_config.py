"""What a session is started with (`SessionConfig`), what it reports (`SessionStats`),
and how a saved config is read back (`saved_config`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from streamer.capture.config import SourceConfig, replayed, source_config, with_options
from streamer.errors import StreamerError
from streamer.manifest import names, newer
from streamer.memory.items import DEFAULT_MEMORY, MemoryStats
from streamer.memory.registry import memory_class
from streamer.notify.notifier import ChannelStats
from streamer.perception import PerceptionConfig, PerceptionStats
from streamer.store import StoreError
from streamer.types import Policy, SourceStats

AUTOSAVE_SECONDS = 5.0  # a crash loses at most this much of a saved stream
MEMORY_FOLDER = "memory"  # the memory's save inside a session folder
PACES = ("realtime", "none")  # played at its own speed (or live) / read as fast as it is taken


class SessionConfigError(StreamerError, ValueError):
    """Settings no session can run with (a saved session's: its reopen says so)."""


@dataclass
class SessionConfig:
    # what to watch: a config (the app's picker) or a spec (file, URL, webcam:N, mic:NAME,
    # webcam:N+mic:NAME); None for a reopened session
    source: SourceConfig | str | None = None
    # a file's replay (`source_config`); a live device plays as it comes
    pace: str = "realtime"  # "none" for replays that index or evaluate
    speed: float = 1.0
    start: float = 0.0  # stream time to start the source at, seconds
    loop: bool = False
    memory: str = DEFAULT_MEMORY
    memory_options: dict[str, Any] = field(default_factory=dict)
    backend: str = "extractive"
    device: str = "auto"  # where a vlm backend runs: auto | cpu | cuda (this machine's choice)
    perception: PerceptionConfig = field(default_factory=PerceptionConfig)
    save_dir: str | None = None  # where to autosave; None: only on save()
    autosave_seconds: float = AUTOSAVE_SECONDS
    overwrite: bool = False  # replace a session of another source saved in save_dir
    # the source's own settings (rtsp_transport, max_attempts): its kind must take each
    source_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.pace not in PACES:
            raise SessionConfigError(f"The pace is {' or '.join(PACES)}, not {self.pace!r}.")
        if not (self.speed > 0 and self.autosave_seconds > 0 and self.start >= 0):
            raise SessionConfigError(
                f"Speed ({self.speed}) and the autosave interval ({self.autosave_seconds} s) "
                f"must be positive and the start ({self.start} s) not negative."
            )

    @property
    def source_spec(self) -> str | None:
        """The source in words, as manifests and messages write it."""
        return self.source.spec if isinstance(self.source, SourceConfig) else self.source

    def saved(self) -> dict[str, Any]:
        """The settings as a manifest keeps them (JSON; the source as its spec)."""
        return {**asdict(self), "source": self.source_spec}

    @property
    def is_replay(self) -> bool:
        """A file read as fast as it is taken (`pace="none"`): it waits, nothing is dropped."""
        return self.pace == "none"

    @property
    def policy(self) -> Policy:
        """What every bounded queue of this session does when full."""
        return Policy.for_pace(self.pace)

    def memory_settings(self) -> dict[str, Any]:
        """`memory_options` over the strategy's session defaults: what its queue does when
        full, and where the kv memory's blocks spill (beside the saves)."""
        strategy = memory_class(self.memory)
        if strategy is None:  # an unknown name: make_memory says so
            return dict(self.memory_options)
        saves = Path(self.save_dir) / MEMORY_FOLDER if self.save_dir else None
        return {**strategy.session_options(self.policy, saves), **self.memory_options}

    def source_config(self, start: float | None = None) -> SourceConfig:
        """The source this session opens: `source` with `source_options` and, for a file,
        the session's replay settings (pace, speed, start, loop; `start` overrides its own).

        A live device plays as it comes: the replay settings are a file's and not given to
        it. An option in `source_options` its kind does not take is a SourceError.
        """
        if self.source is None:
            raise StreamerError(
                "This session has no source to watch; give a file, URL or webcam:N."
            )
        given = self.source
        config = source_config(given) if isinstance(given, str) else given
        config = with_options(config, **self.source_options)
        at = self.start if start is None else start
        return replayed(config, pace=self.pace, speed=self.speed, start=at, loop=self.loop)


@dataclass
class SessionStats:
    state: str  # idle | running | paused | ended | stopped | error | reopened
    stream_time: float  # seconds of stream processed
    source: SourceStats | None
    perception: PerceptionStats | None
    memory: MemoryStats | None
    timeline_events: int
    answered: int
    latencies: list[tuple[float, float]]  # (first token s, total s) per answer
    error: str | None = None
    notify: list[ChannelStats] = field(default_factory=list)  # per channel alerts go to


def saved_config(folder: Path, saved: dict[str, Any]) -> SessionConfig:
    """The SessionConfig a manifest holds (StoreError in one sentence for one it cannot)."""
    saved = dict(saved)
    perception = saved.pop("perception", {})
    if not isinstance(perception, dict):
        raise StoreError(f"Session {folder} has perception settings that are not a JSON object.")
    own = {f.name for f in fields(SessionConfig)}
    known = {f.name for f in fields(PerceptionConfig)} | {"fps"}  # saved before sample_fps
    unknown = sorted(set(saved) - own) + sorted(set(perception) - known)
    if unknown:
        raise newer(folder, f"settings {names(unknown)}, which this version does not know")
    for own_only in ("save_dir", "overwrite"):  # where and how it was saved: not carried on
        saved.pop(own_only, None)
    try:
        return SessionConfig(
            **saved,
            perception=PerceptionConfig.from_dict(perception),
            save_dir=None,  # a reopened session writes nowhere
            overwrite=False,
        )
    except (TypeError, ValueError) as e:
        raise StoreError(f"Session {folder} has settings this version cannot use ({e}).") from None
