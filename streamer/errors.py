"""Errors a user can meet. Each carries one sentence that says what to do."""


class StreamerError(Exception):
    """Base of the errors shown to a user as one clear sentence (no traceback)."""


class SourceError(StreamerError):
    """A source cannot be opened or read: missing file, bad codec, no camera, ..."""


class ModelMissingError(StreamerError):
    """Packaged or hub weights are missing or do not match their pinned hash."""
