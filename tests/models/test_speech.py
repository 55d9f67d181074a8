"""Silero VAD, Whisper base and the streaming transcriber on espeak-ng speech at known times."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from models.protocols import (
    SAMPLE_RATE,
    SpeechRecognizer,
    SpeechSegment,
    SpokenLanguage,
    VoiceDetector,
)
from models.speech import WhisperRecognizer, check_language
from models.vad import WINDOW, SileroVad, Span, SpanTracker, VadConfig
from streamer.perception.transcriber import SpeechTranscriber

CHUNK = 3_200  # samples: 0.2 s, the chunk size a live microphone source might deliver
TRAIN = "The red train leaves platform four at nine thirty tomorrow morning."
LUGGAGE = "Please keep your luggage with you at all times."

Speak = Callable[[str], np.ndarray]


def in_silence(pieces: list[tuple[float, np.ndarray]], total_s: float) -> np.ndarray:
    """Place speech at given offsets (seconds) in faint noise; (total_s * 16000,) float32."""
    noise = np.random.default_rng(0).normal(0, 1e-3, int(total_s * SAMPLE_RATE)).astype(np.float32)
    for offset, speech in pieces:
        at = int(offset * SAMPLE_RATE)
        noise[at : at + len(speech)] += speech
    return noise


def feed(
    transcriber: SpeechTranscriber, audio: np.ndarray, t0: float
) -> list[tuple[float, SpeechSegment]]:
    """Feed audio in 0.2 s chunks; return (stream time when emitted, segment) pairs."""
    emitted = []
    for i in range(0, len(audio), CHUNK):
        now = t0 + (i + CHUNK) / SAMPLE_RATE
        emitted += [
            (now, seg) for seg in transcriber.accept(t0 + i / SAMPLE_RATE, audio[i : i + CHUNK])
        ]
    return emitted


@pytest.fixture(scope="module")
def recognizer() -> WhisperRecognizer:
    asr = WhisperRecognizer()
    asr.load()
    return asr


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


@pytest.fixture(scope="module")
def train(speak: Speak) -> np.ndarray:
    return speak(TRAIN)


def test_vad_finds_the_speech_span(vad: SileroVad, train: np.ndarray) -> None:
    assert isinstance(vad, VoiceDetector)
    spans = vad.speech_spans(in_silence([(2.0, train)], 8.0))
    assert len(spans) == 1
    start, end = spans[0]
    assert start == pytest.approx(2.0, abs=0.3)
    assert end == pytest.approx(2.0 + len(train) / SAMPLE_RATE, abs=0.6)
    assert vad.speech_spans(in_silence([], 3.0)) == []
    with pytest.raises(ValueError, match="float audio"):
        vad.speech_spans((train * 32767).astype(np.int16))  # int PCM is refused, not misread


def test_whisper_transcribes_a_clip(train: np.ndarray) -> None:
    asr = WhisperRecognizer()
    assert isinstance(asr, SpeechRecognizer)
    stream = SpokenLanguage()  # detected until two clips agree (espeak English: p ~0.83)
    segments = asr.transcribe(train, language=stream)
    assert stream.code is None and stream.heard == "en"
    assert asr.transcribe(train, language=stream) == segments and stream.code == "en"
    text = " ".join(s.text for s in segments).lower()
    assert "train" in text and "platform" in text and "morning" in text
    assert 0.0 <= segments[0].start < segments[-1].end <= len(train) / SAMPLE_RATE + 0.5
    assert all(0.0 < s.confidence <= 1.0 for s in segments)


def test_stream_emits_each_segment_after_its_pause(
    recognizer: WhisperRecognizer, vad: SileroVad, train: np.ndarray
) -> None:
    t0, offset = 50.0, 4.0
    audio = in_silence([(offset, train)], 10.0)
    transcriber = SpeechTranscriber(recognizer, vad, language="en")
    emitted = feed(transcriber, audio, t0)
    assert transcriber.flush() == []
    assert len(emitted) == 1
    when, seg = emitted[0]
    assert "train" in seg.text.lower() and "platform" in seg.text.lower()
    speech_end = t0 + offset + len(train) / SAMPLE_RATE
    assert seg.start == pytest.approx(t0 + offset, abs=1.0)
    assert seg.end == pytest.approx(speech_end, abs=1.0)
    assert when < speech_end + 1.5  # emitted once the 0.5 s pause was heard, not at the end


def test_flush_transcribes_speech_cut_off_by_end_of_stream(
    recognizer: WhisperRecognizer, vad: SileroVad, train: np.ndarray
) -> None:
    audio = in_silence([(1.0, train)], 1.0 + len(train) / SAMPLE_RATE + 0.1)
    transcriber = SpeechTranscriber(recognizer, vad, language="en")
    assert feed(transcriber, audio, 0.0) == []
    (seg,) = transcriber.flush()
    assert "platform" in seg.text.lower() and seg.start == pytest.approx(1.0, abs=1.0)
    assert transcriber.buffered_seconds == 0.0


def test_a_draft_mid_sentence_leaves_the_sentence_whole(
    recognizer: WhisperRecognizer, vad: SileroVad, train: np.ndarray
) -> None:
    """A replay's gate hears the open sentence so far; the sentence is still read whole."""
    audio = in_silence([(1.0, train)], 1.0 + len(train) / SAMPLE_RATE + 1.5)
    whole = feed(SpeechTranscriber(recognizer, vad, language="en"), audio, 0.0)
    transcriber = SpeechTranscriber(recognizer, vad, language="en")
    half = (int((1.0 + len(train) / SAMPLE_RATE / 2) * SAMPLE_RATE) // CHUNK) * CHUNK
    assert feed(transcriber, audio[:half], 0.0) == [] and transcriber.hear_open() != []
    (draft,) = transcriber.hear_open()  # asked twice: nothing changed in between
    rest = feed(transcriber, audio[half:], half / SAMPLE_RATE)
    assert [seg for _, seg in rest] == [seg for _, seg in whole]  # as if never stopped
    (done,) = [seg for _, seg in rest]
    assert draft.start == done.start and draft.end < done.end
    assert "morning" not in draft.text.lower() and "morning" in done.text.lower()
    assert transcriber.hear_open() == []  # nothing open after the pause


def test_two_utterances_and_a_clock_jump(
    recognizer: WhisperRecognizer, vad: SileroVad, train: np.ndarray, speak: Speak
) -> None:
    luggage = speak(LUGGAGE)
    transcriber = SpeechTranscriber(recognizer, vad, language="en")
    audio = in_silence([(1.0, train), (6.0, luggage)], 6.0 + len(luggage) / SAMPLE_RATE)
    first = feed(transcriber, audio, 0.0)
    # The source skipped ahead (dropped audio): the open utterance ends, the clock restarts.
    second = feed(transcriber, in_silence([(1.0, train)], 6.0), 100.0)
    segments = [seg for _, seg in first + second] + transcriber.flush()
    texts = [s.text.lower() for s in segments]
    assert len(texts) == 3 and "luggage" in texts[1]
    assert "platform" in texts[0] and "platform" in texts[2]
    starts = [s.start for s in segments]
    assert starts == pytest.approx([1.0, 6.0, 101.0], abs=1.0)


def test_long_speech_is_split_and_memory_stays_bounded(
    recognizer: WhisperRecognizer, train: np.ndarray
) -> None:
    max_s = 3.0
    vad = SileroVad(VadConfig(max_segment_s=max_s))
    second = 0.5 + len(train) / SAMPLE_RATE  # right after the first: ~7.4 s, no pause
    audio = in_silence([(0.5, train), (second, train)], 10.0)
    transcriber = SpeechTranscriber(recognizer, vad, language="en")
    held = []
    segments = []
    for i in range(0, len(audio), CHUNK):
        segments += transcriber.accept(i / SAMPLE_RATE, audio[i : i + CHUNK])
        held.append(transcriber.buffered_seconds)
    segments += transcriber.flush()
    assert len(segments) >= 3
    assert all(s.end - s.start <= max_s + 0.1 for s in segments)
    assert max(held) <= max_s + 2 * vad.config.pad_s + CHUNK / SAMPLE_RATE
    text = " ".join(s.text for s in segments).lower()
    assert text.count("platform") == 2  # each word heard once: no audio lost, none repeated


def test_span_tracker_rules() -> None:
    """Hysteresis, minimum speech and silence, on synthetic probabilities (32 ms windows)."""
    tracker = SpanTracker(VadConfig())
    probs = [0.0] * 10 + [0.9] * 20 + [0.4] * 5 + [0.9] * 10 + [0.1] * 20 + [0.9] * 3 + [0.0] * 20
    spans = []
    for i, p in enumerate(probs):
        spans += tracker.push(p, i * WINDOW)
    spans += tracker.finish(len(probs) * WINDOW)
    # 0.4 sits between the thresholds: still speech. 3 windows (96 ms) are below min_speech.
    assert spans == [Span(10 * WINDOW, 45 * WINDOW)]


def test_span_tracker_cuts_long_speech_at_its_pause_else_at_its_dip() -> None:
    tracker = SpanTracker(VadConfig(max_segment_s=2.0))  # 2 s = 62.5 windows
    probs = [0.9] * 30 + [0.2] * 5 + [0.9] * 40 + [0.8] * 20 + [0.6] + [0.8] * 60
    spans = []
    for i, p in enumerate(probs):
        spans += tracker.push(p, i * WINDOW)
    spans += tracker.finish(len(probs) * WINDOW)
    pause_mid = (30 * WINDOW + 35 * WINDOW) // 2
    dip = 95 * WINDOW + WINDOW // 2
    assert spans[:2] == [Span(0, pause_mid, cut_after=True), Span(pause_mid, dip, True, True)]
    assert spans[2].start == dip and spans[-1].end == len(probs) * WINDOW
    assert all(a.end == b.start for a, b in zip(spans, spans[1:]))  # no gap, no overlap


def test_whisper_gives_the_same_words_every_time(speak: Speak) -> None:
    """Hard audio (speech under loud noise) used to fall back to sampling at temperature > 0."""
    speech = speak(TRAIN)
    noisy = (speech + np.random.default_rng(1).normal(0, 0.3, len(speech))).astype(np.float32)
    asr = WhisperRecognizer()
    runs = [asr.transcribe(noisy, language=SpokenLanguage("en")) for _ in range(3)]
    assert runs[0] and runs[1] == runs[0] and runs[2] == runs[0]


def test_drafts_hear_a_sentence_while_it_is_spoken(
    recognizer: WhisperRecognizer, vad: SileroVad, train: np.ndarray
) -> None:
    """With drafts wanted, the speech worker hears the open sentence about every second of
    it (audio fed in real time), each draft starting where the sentence does; the sentence
    itself is then read whole, the same words as with no drafts. Without: one event."""
    import threading
    import time

    from streamer.perception.speech import DRAFT_EVERY_S, SpeechWorker
    from streamer.perception.stats import StatsBook
    from streamer.types import AudioChunk, TextEvent

    audio = in_silence([(0.5, train)], 0.5 + len(train) / SAMPLE_RATE + 1.2)

    def run(wanted: bool) -> list[tuple[float, TextEvent]]:
        heard: list[tuple[float, TextEvent]] = []
        fed = [0.0]  # stream seconds fed so far, when each event came
        worker = SpeechWorker(
            SpeechTranscriber(recognizer, vad, language="en"),
            lambda e: heard.append((fed[0], e)),
            StatsBook(),
            threading.Event(),
            drafts=lambda: wanted,
        )
        worker.start()
        for i in range(0, len(audio), CHUNK):
            worker.accept(AudioChunk(i / SAMPLE_RATE, SAMPLE_RATE, audio[i : i + CHUNK]))
            fed[0] = (i + CHUNK) / SAMPLE_RATE
            time.sleep(CHUNK / SAMPLE_RATE)  # a microphone's pace
        worker.close()
        return heard

    plain = run(False)
    assert len(plain) == 1
    drafted = run(True)
    *drafts, (_, final) = drafted
    assert final == plain[0][1]  # the sentence read whole, as if no draft was heard
    assert drafts  # at least one (a slow machine skips drafts while it is behind)
    assert all(e.start == final.start and e.end <= final.end for _, e in drafts)
    ends = [e.end for _, e in drafts]
    assert ends == sorted(ends) and all(
        b - a >= DRAFT_EVERY_S - 0.05 for a, b in zip(ends, ends[1:])
    )
    assert ends[0] - final.start <= 2 * DRAFT_EVERY_S  # the first drafted early in the sentence
    assert all(e.text != final.text for _, e in drafts[:1])


def test_each_stream_finds_its_own_language(
    recognizer: WhisperRecognizer, vad: SileroVad, train: np.ndarray
) -> None:
    """One recognizer serves every stream of the app; what one stream settled on must not
    decide how the next is read (a second source may speak another language)."""
    asked: list[str | None] = []  # the language each clip was read in

    class Recording:
        def transcribe(
            self, samples: np.ndarray, draft: bool = False, language: SpokenLanguage | None = None
        ) -> list[SpeechSegment]:
            asked.append(language.code if language else None)
            return recognizer.transcribe(samples, draft, language)

    audio = in_silence([(0.5, train), (6.5, train)], 13.0)
    first = SpeechTranscriber(Recording(), vad)
    assert not first.language_known
    feed(first, audio, 0.0)
    first.flush()
    assert asked[0] is None and first.language.code == "en"  # heard, then settled
    asked.clear()
    second = SpeechTranscriber(Recording(), vad)
    assert not second.language_known
    feed(second, audio[: 6 * SAMPLE_RATE], 0.0)
    second.flush()
    assert asked == [None]  # detected again: nothing of the first stream carried over
    asked.clear()
    given = SpeechTranscriber(Recording(), vad, language="de")
    assert given.language_known
    feed(given, audio, 0.0)
    given.flush()
    assert asked == ["de", "de"]  # read as told, never detected


def test_a_language_whisper_does_not_know_is_one_sentence() -> None:
    assert check_language("en") == "en"
    with pytest.raises(ValueError, match="does not know the language 'xx'") as e:
        check_language("xx")
    assert str(e.value).count(".") == 1 and "leave the language out" in str(e.value)
