"""What a capture source is opened with: one frozen config per kind, registered by kind.

    source_config("talk.mp4", start=30.0)    # FileConfig(path="talk.mp4", start=30.0)
    source_config("webcam:0+mic:default")    # CameraMicConfig(camera=0, mic=None)
    CameraMicConfig(camera=0, mic="pulse")   # what the app's source picker builds
    open_source(config)                      # (streamer.capture) the source it describes

`source_config` is the one place a user's words (a path, a URL, webcam:N, mic:NAME,
webcam:N+mic:NAME) become a config; an option the kind does not take is refused
there. A config's `spec` says it back in those words: what a session saves and shows.
Each config checks its own values when it is made and says what is wrong in one
sentence (`SourceError`).
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, TypeVar

from streamer.capture.redial import MAX_BACKOFF, NETWORK_ATTEMPTS
from streamer.capture.urls import RTSP_TRANSPORTS
from streamer.errors import SourceError

PACES = ("none", "realtime")  # read as fast as it is taken / played at its own speed
CAMERA_BACKOFF = 5.0  # seconds: the longest wait between a camera's reopen attempts
WORDS = {"camera": "webcam", "microphone": "mic"}  # the long spellings of a spec's kind
NO_SOURCE = "No source given; pass a file path, a URL, webcam:N, mic:NAME or webcam:N+mic:NAME."

T = TypeVar("T", bound="SourceConfig")


@dataclass(frozen=True)
class SourceConfig(abc.ABC):
    """A source's settings; its subclasses are registered by kind (`register_subclass`)."""

    kinds: ClassVar[dict[str, type[SourceConfig]]] = {}
    kind: ClassVar[str] = ""
    live: ClassVar[bool] = False  # a device with no end: its queue drops the oldest
    named_by: ClassVar[tuple[str, ...]] = ()  # the fields a spec fills: not options

    @classmethod
    def register_subclass(cls, kind: str) -> Callable[[type[T]], type[T]]:
        """A decorator: `sub` is the config of sources of this kind."""

        def register(sub: type[T]) -> type[T]:
            sub.kind = kind
            SourceConfig.kinds[kind] = sub
            return sub

        return register

    @classmethod
    def options(cls) -> tuple[str, ...]:
        """The settings a spec's options may give this kind."""
        return tuple(f.name for f in fields(cls) if f.name not in cls.named_by)

    @property
    @abc.abstractmethod
    def spec(self) -> str:
        """The source in a user's words: what `source_config` reads back into this config."""


@SourceConfig.register_subclass("file")
@dataclass(frozen=True)
class FileConfig(SourceConfig):
    """A local file or a URL (http, https, rtsp, rtmp, hls), decoded with PyAV."""

    named_by: ClassVar[tuple[str, ...]] = ("path",)

    path: str
    pace: str = "none"  # "realtime": at the file's own speed, as if live
    speed: float = 1.0  # times the file's own speed (realtime pace)
    start: float = 0.0  # stream time to start at, seconds
    fps: float | None = None  # at most this many frames a second of stream; None: all
    loop: bool = False  # play again from `start` at the end
    video: bool = True
    audio: bool = True
    max_side: int | None = None  # longest side of a frame, pixels; None: as decoded
    max_attempts: int | None = NETWORK_ATTEMPTS  # a network stream's reopens; None: forever
    max_backoff: float = MAX_BACKOFF  # seconds: the longest wait between reopens
    rtsp_transport: str = "tcp"  # "udp": lower latency, lost packets stay lost

    def __post_init__(self) -> None:
        if not str(self.path).strip():
            raise SourceError(NO_SOURCE)
        if self.pace not in PACES:
            raise SourceError(f"The pace is {' or '.join(PACES)}, not {self.pace!r}.")
        if not (self.speed > 0 and self.start >= 0):
            raise SourceError(
                f"The speed ({self.speed}) must be positive and the start ({self.start} s) "
                "not negative."
            )
        if self.rtsp_transport not in RTSP_TRANSPORTS:
            raise SourceError(
                f"The rtsp_transport must be one of {', '.join(RTSP_TRANSPORTS)}, "
                f"not {self.rtsp_transport!r}."
            )
        _check_sampling(self.fps, self.max_side)
        _check_retries(self.max_attempts, self.max_backoff)

    @property
    def spec(self) -> str:
        return str(self.path)


@SourceConfig.register_subclass("webcam")
@dataclass(frozen=True)
class WebcamConfig(SourceConfig):
    """An OpenCV camera by index or /dev path, reopened with backoff when it stops."""

    live: ClassVar[bool] = True
    named_by: ClassVar[tuple[str, ...]] = ("device",)

    device: int | str = 0
    fps: float | None = None  # at most this many frames a second; None: the camera's rate
    max_side: int | None = None  # longest side of a frame, pixels; None: as captured
    max_backoff: float = CAMERA_BACKOFF  # seconds: the longest wait between reopens
    max_attempts: int | None = None  # reopens before the camera is given up; None: forever

    def __post_init__(self) -> None:
        object.__setattr__(self, "device", _camera_device(self.device))  # frozen: set once here
        _check_sampling(self.fps, self.max_side)
        _check_retries(self.max_attempts, self.max_backoff)

    @property
    def spec(self) -> str:
        return f"webcam:{self.device}"


@SourceConfig.register_subclass("mic")
@dataclass(frozen=True)
class MicrophoneConfig(SourceConfig):
    """A microphone by PortAudio index or (part of its) name; None: the default one."""

    live: ClassVar[bool] = True
    named_by: ClassVar[tuple[str, ...]] = ("device",)

    device: int | str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "device", _mic_device(self.device))  # frozen: set once here

    @property
    def spec(self) -> str:
        return f"mic:{_mic_words(self.device)}"


@SourceConfig.register_subclass("webcam+mic")
@dataclass(frozen=True)
class CameraMicConfig(SourceConfig):
    """A camera and a microphone on one clock; the camera's settings as `WebcamConfig`'s."""

    live: ClassVar[bool] = True
    named_by: ClassVar[tuple[str, ...]] = ("camera", "mic")

    camera: int | str = 0
    mic: int | str | None = None  # None: the default microphone
    fps: float | None = None
    max_side: int | None = None
    max_backoff: float = CAMERA_BACKOFF  # seconds, for either device
    max_attempts: int | None = None  # reopens before a device is given up; None: forever

    def __post_init__(self) -> None:
        object.__setattr__(self, "camera", _camera_device(self.camera))
        object.__setattr__(self, "mic", _mic_device(self.mic))  # frozen: set once here
        _check_sampling(self.fps, self.max_side)
        _check_retries(self.max_attempts, self.max_backoff)

    @property
    def spec(self) -> str:
        return f"webcam:{self.camera}+mic:{_mic_words(self.mic)}"


def source_config(spec: str, **options: Any) -> SourceConfig:
    """The config a user's spec names, with `options` (None: not given, the default stands).

    SourceError in one sentence for an empty spec, an option its kind does not take or
    a value out of range.
    """
    kind, named = _parse(spec)
    cls = SourceConfig.kinds[kind]
    given = _given(cls, spec, options)
    return cls(**named, **given)


def with_options(config: SourceConfig, **options: Any) -> SourceConfig:
    """`config` with `options` (None: not given), checked as `source_config` checks them."""
    given = _given(type(config), config.spec, options)
    return replace(config, **given) if given else config


def _given(cls: type[SourceConfig], spec: str, options: dict[str, Any]) -> dict[str, Any]:
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(cls.options()))
    if unknown:
        takes = ", ".join(cls.options()) or "no options"
        raise SourceError(
            f"A {cls.kind} source ({spec.strip()}) does not take {', '.join(unknown)}; "
            f"it takes {takes}."
        )
    return given


def replayed(
    config: SourceConfig, *, pace: str, speed: float, start: float, loop: bool
) -> SourceConfig:
    """A file's config with a replay's settings; a live device plays as it comes and has
    none, so its config is returned as it is."""
    if not isinstance(config, FileConfig):
        return config
    return replace(config, pace=pace, speed=speed, start=start, loop=loop)


def is_live(spec: str) -> bool:
    """A spec of a live device (a camera, a microphone or both): a stream with no end."""
    return bool(spec.strip()) and SourceConfig.kinds[_parse(spec)[0]].live


def _parse(spec: str) -> tuple[str, dict[str, Any]]:
    """The kind a spec names and the fields it fills (a file, unless it names a device)."""
    spec = spec.strip()
    if not spec:
        raise SourceError(NO_SOURCE)
    pieces = spec.split("+")
    if len(pieces) == 2:  # webcam:N+mic:NAME, in either order
        a, b = _device_part(pieces[0]), _device_part(pieces[1])
        if a is not None and b is not None and a[0] != b[0]:
            found = dict((a, b))
            return "webcam+mic", {"camera": found["webcam"] or 0, "mic": found["mic"] or None}
    one = _device_part(spec)
    if one is None:
        return "file", {"path": spec}  # a path or a URL: FileSource refuses other schemes
    kind, rest = one
    return kind, {"device": rest or (0 if kind == "webcam" else None)}


def _device_part(part: str) -> tuple[str, str] | None:
    """("webcam" or "mic", what follows the colon) of `webcam:N`, `mic:NAME`; else None."""
    kind, sep, rest = part.strip().partition(":")
    kind = WORDS.get(kind, kind)
    return (kind, rest.strip()) if sep and kind in ("webcam", "mic") else None


def _mic_words(device: int | str | None) -> str:
    return "default" if device is None else str(device)


def _camera_device(device: int | str) -> int | str:
    """A camera: an index, a /dev path, or (part of) its name, looked up when opened."""
    if isinstance(device, bool) or (isinstance(device, int) and device < 0):
        raise SourceError(f"A camera is a number from 0 or a name, not {device!r}.")
    if isinstance(device, str):
        device = device.strip()
        if not device:
            raise SourceError("Name the camera (webcam:0, webcam:/dev/video2, webcam:NAME).")
        return int(device) if device.isdigit() else device
    return device


def _mic_device(device: int | str | None) -> int | str | None:
    """PortAudio's name for a microphone: an index, (part of) a name, or None: the default."""
    if isinstance(device, bool) or (isinstance(device, int) and device < 0):
        raise SourceError(f"A microphone is a number from 0 or a name, not {device!r}.")
    if isinstance(device, str):
        device = device.strip()
        if device in ("", "default"):
            return None
        return int(device) if device.isdigit() else device
    return device


def _check_sampling(fps: float | None, max_side: int | None) -> None:
    if fps is not None and not fps > 0:
        raise SourceError(f"The frame rate must be positive, not {fps}.")
    if max_side is not None and not max_side > 0:
        raise SourceError(f"The longest side must be a positive number of pixels, not {max_side}.")


def _check_retries(max_attempts: int | None, max_backoff: float) -> None:
    if max_attempts is not None and max_attempts < 1:
        raise SourceError(
            f"Reconnect attempts (max_attempts) must be 1 or more, or None for no limit, "
            f"not {max_attempts}."
        )
    if not max_backoff > 0:
        raise SourceError(
            "The longest wait between attempts (max_backoff) must be a positive number of "
            f"seconds, not {max_backoff}."
        )
