"""Synthesise test and demo clips whose every fact is known.

Frames are drawn with OpenCV (text cards, coloured shapes, a moving marker so no
two frames are identical), speech comes from espeak-ng, and both are muxed with
PyAV into an H.264/AAC mp4 (moov atom first, so it also streams over HTTP).

    script = ClipScript(duration=12, cards=[Card(3, 6, "GATE 7 CLOSES AT NOON")],
                        speech=[Speech(8, "The delivery van arrived at the north entrance.")])
    facts = render(script, "clip.mp4")   # facts: the exact times of every card and sentence
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from models.atomic import atomic_file
from streamer.errors import StreamerError

SPEECH_RATE = 22_050  # Hz: espeak-ng's native output rate, kept for the AAC track
WORDS_PER_MINUTE = 150  # espeak-ng speaking speed
Color = tuple[int, int, int]  # RGB


@dataclass(frozen=True)
class Card:
    """A full-screen text card shown from `start` to `end` seconds."""

    start: float
    end: float
    text: str  # "\n" separates lines
    background: Color = (20, 30, 80)
    foreground: Color = (255, 255, 255)


@dataclass(frozen=True)
class Shape:
    """A coloured shape drawn on the plain scene from `start` to `end` seconds."""

    start: float
    end: float
    kind: str  # "circle" | "square" | "triangle"
    color_name: str  # a name from COLORS
    background: Color = (235, 235, 225)
    label: str = ""  # a caption drawn under the shape ("RED CIRCLE"): text that OCR can read


@dataclass(frozen=True)
class Speech:
    """A sentence spoken starting at `t` seconds."""

    t: float
    text: str


@dataclass
class ClipScript:
    duration: float  # seconds
    cards: list[Card] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    speech: list[Speech] = field(default_factory=list)
    width: int = 640
    height: int = 360
    fps: int = 10
    background: Color = (60, 110, 60)  # the scene when no card or shape is shown
    audio: bool = True


COLORS: dict[str, Color] = {
    "red": (220, 30, 30),
    "green": (30, 170, 50),
    "blue": (30, 70, 220),
    "yellow": (240, 210, 20),
    "orange": (245, 130, 20),
    "purple": (140, 40, 170),
    "black": (10, 10, 10),
    "white": (250, 250, 250),
}


def speak(text: str, wpm: int = WORDS_PER_MINUTE) -> np.ndarray:
    """Speech for `text` from espeak-ng: (n,) float32 at SPEECH_RATE Hz."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise StreamerError(
            "espeak-ng is not installed; install it (apt-get install espeak-ng) to generate speech."
        )
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "speech.wav")
        subprocess.run(
            [exe, "-s", str(wpm), "-w", path, text], check=True, capture_output=True, timeout=60
        )
        with wave.open(path, "rb") as w:
            assert w.getsampwidth() == 2 and w.getnchannels() == 1
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    audio = pcm.astype(np.float32) / 32768.0
    if rate != SPEECH_RATE:  # linear resample; espeak-ng gives 22,050 Hz on Debian
        n = int(len(audio) * SPEECH_RATE / rate)
        audio = np.interp(np.linspace(0, len(audio) - 1, n), np.arange(len(audio)), audio)
    return audio.astype(np.float32)


def draw_frame(script: ClipScript, t: float) -> np.ndarray:
    """The frame at stream time `t`: (H, W, 3) uint8 RGB."""
    h, w = script.height, script.width
    card = next((c for c in script.cards if c.start <= t < c.end), None)
    shape = next((s for s in script.shapes if s.start <= t < s.end), None)
    img = np.empty((h, w, 3), np.uint8)
    if card is not None:
        img[:] = card.background
        if card.text.strip():  # a card without text is a plain coloured screen
            _draw_text(img, card.text, card.foreground)
    elif shape is not None:
        img[:] = shape.background
        _draw_shape(img, shape)
    else:
        img[:] = script.background
    # a small marker sweeping along the bottom edge: consecutive frames always differ
    x = int((t * 40) % max(1, w - 12))
    cv2.rectangle(img, (x, h - 10), (x + 10, h - 4), (128, 128, 128), -1)
    return img


def _draw_text(img: np.ndarray, text: str, color: Color) -> None:
    h, w = img.shape[:2]
    lines = text.split("\n")
    font, thick = cv2.FONT_HERSHEY_DUPLEX, 2
    scale = min(2.0, 0.9 * w / max(cv2.getTextSize(s, font, 1.0, thick)[0][0] for s in lines))
    line_h = int(cv2.getTextSize("Ag", font, scale, thick)[0][1] * 1.8)
    y = (h - line_h * len(lines)) // 2 + line_h
    for s in lines:
        tw = cv2.getTextSize(s, font, scale, thick)[0][0]
        cv2.putText(img, s, ((w - tw) // 2, y), font, scale, color, thick, cv2.LINE_AA)
        y += line_h


def _draw_shape(img: np.ndarray, shape: Shape) -> None:
    h, w = img.shape[:2]
    color, (cx, cy), r = COLORS[shape.color_name], (w // 2, h // 2), min(w, h) // 4
    if shape.kind == "circle":
        cv2.circle(img, (cx, cy), r, color, -1, cv2.LINE_AA)
    elif shape.kind == "square":
        cv2.rectangle(img, (cx - r, cy - r), (cx + r, cy + r), color, -1)
    elif shape.kind == "triangle":
        pts = np.array([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], np.int32)
        cv2.fillPoly(img, [pts], color, cv2.LINE_AA)
    else:
        raise ValueError(f"unknown shape {shape.kind!r}")
    if shape.label:
        font, scale, thick = cv2.FONT_HERSHEY_DUPLEX, 1.1, 2
        tw = cv2.getTextSize(shape.label, font, scale, thick)[0][0]
        y = min(h - 18, cy + r + 40)  # below the shape, above the moving marker
        cv2.putText(
            img, shape.label, ((w - tw) // 2, y), font, scale, (20, 20, 20), thick, cv2.LINE_AA
        )


def render(script: ClipScript, path: str) -> dict[str, object]:
    """Write the clip to `path` (mp4) and return its facts, with measured speech ends."""
    n_audio = int(round(script.duration * SPEECH_RATE))
    track = np.zeros(n_audio, np.float32)
    spoken = []
    for s in script.speech:
        clip = speak(s.text)
        i = int(round(s.t * SPEECH_RATE))
        clip = clip[: max(0, n_audio - i)]
        track[i : i + len(clip)] += clip
        spoken.append({**asdict(s), "end": round(s.t + len(clip) / SPEECH_RATE, 3)})
    with atomic_file(Path(path)) as tmp:
        _mux(script, track if script.audio else None, str(tmp))
    return {
        "duration": script.duration,
        "width": script.width,
        "height": script.height,
        "fps": script.fps,
        "cards": [asdict(c) for c in script.cards],
        "shapes": [asdict(s) for s in script.shapes],
        "speech": spoken,
    }


def _mux(script: ClipScript, track: np.ndarray | None, path: str) -> None:
    with av.open(path, "w", format="mp4", options={"movflags": "faststart"}) as out:
        vs = out.add_stream(
            "libx264",
            rate=script.fps,
            options={"preset": "veryfast", "crf": "26", "g": str(script.fps * 2)},
        )
        vs.width, vs.height, vs.pix_fmt = script.width, script.height, "yuv420p"
        aus = out.add_stream("aac", rate=SPEECH_RATE, layout="mono") if track is not None else None
        n_frames = int(round(script.duration * script.fps))
        step = SPEECH_RATE // script.fps  # audio samples per video frame, interleaved with it
        for i in range(n_frames):
            img = draw_frame(script, i / script.fps)
            out.mux(vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
            if aus is not None and track is not None:
                lo, hi = i * step, len(track) if i == n_frames - 1 else (i + 1) * step
                pcm = (np.clip(track[lo:hi], -1, 1) * 32767).astype(np.int16)[np.newaxis, :]
                af = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
                af.sample_rate, af.pts = SPEECH_RATE, lo
                out.mux(aus.encode(af))
        out.mux(vs.encode(None))
        if aus is not None:
            out.mux(aus.encode(None))
