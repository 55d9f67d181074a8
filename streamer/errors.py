"""Errors a user can meet. Each carries one sentence that says what to do."""

from models.weights import ModelMissingError  # raised by models/ when weights are absent

__all__ = ["ModelMissingError", "SourceError", "StreamerError", "USER_ERRORS"]


class StreamerError(Exception):
    """Base of the errors shown to a user as one clear sentence (no traceback)."""


class SourceError(StreamerError):
    """A source cannot be opened or read: missing file, bad codec, no camera, ..."""


# Everything the command line and the UI show as one sentence instead of a traceback.
USER_ERRORS: tuple[type[Exception], ...] = (StreamerError, ModelMissingError)
