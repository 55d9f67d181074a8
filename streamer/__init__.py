"""streamer: watch a video stream, remember what was seen and heard, answer questions."""

__version__ = "0.1.0"
