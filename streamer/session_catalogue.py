"""What a client may know before it opens a session: strategies, backends, devices, saves."""

from __future__ import annotations

from pathlib import Path

from streamer.manifest import SavedSession, list_saved
from streamer.memory import ALL_MEMORY_NAMES
from streamer.reasoning.registry import BACKEND_NAMES, vision_models


class SessionCatalogue:
    """Mixed into `Session`: static facts about this machine and its saved sessions."""

    @staticmethod
    def memory_names() -> tuple[str, ...]:
        """The memory strategies a session can use (`SessionConfig.memory`; "kv" needs a vlm)."""
        return ALL_MEMORY_NAMES

    @staticmethod
    def backend_names() -> tuple[str, ...]:
        """The reasoning backends by kind (`SessionConfig.backend`, e.g. "llm:PATH")."""
        return BACKEND_NAMES

    @staticmethod
    def vision_models() -> list[str]:
        """`vlm:ID` backend names of the supported vision-language models in the local HF cache."""
        return vision_models()

    @staticmethod
    def cameras() -> list[tuple[str, str]]:
        """(label, source spec) of each camera found on this machine (`launch.py devices`)."""
        from streamer.capture.devices import camera_choices

        return camera_choices()

    @staticmethod
    def microphones() -> list[tuple[str, str]]:
        """(label, mic:N) of each microphone found, the system's default first."""
        from streamer.capture.devices import microphone_choices

        return microphone_choices()

    @staticmethod
    def saved(root: str | Path) -> list[SavedSession]:
        """The sessions saved in `root`'s subfolders, newest first."""
        return list_saved(root)
