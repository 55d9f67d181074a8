"""The synthetic needle-in-the-stream benchmark: streams whose every fact and answer is known.

    spec = SyntheticSpec(minutes=10, seed=0)
    questions_file = generate(spec, Path("~/.cache/streamer/synthetic"))  # cached
    bench = load_synthetic(questions_file)

A stream (low resolution and frame rate, so a 60-minute one renders in a few
minutes) carries signs, spoken sentences (espeak-ng), coloured shapes, notices
shown several times and scene changes at known times (streamer.eval.synthetic_facts).
Questions come later in the stream, each with its exact answer:

    sign-what / speech-what       "What time does gate 7 close?"            open, contains
    sign-choice / speech-choice   the same with four options                multiple choice
    when                          "When was the sign about gate 7 shown?"   a time, ±2 s
    count                         "How many times was the wet floor sign shown?"  a number
    before                        "What was said right before the sign about gate 7?"
    yesno                         "Was there a sign about gate 23?"         yes / no
    colour                        "What colour was the most recent circle?" multiple choice

Perception names the colour and outline of shapes on a plain backdrop
(perception/colours.py `shown_shapes`), which `colour` questions ask about;
they are reported apart like every other type.
The same spec and seed give the same stream and questions.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from models.atomic import atomic_file
from streamer.errors import StreamerError
from streamer.eval.records import parse_json, read_text, record
from streamer.eval.synthetic_facts import (
    SHAPE_COLORS,
    SIGNS,
    SPOKEN,
    Planted,
    Pools,
    Template,
    plant,
    template,
)
from streamer.eval.types import Benchmark, EvalQuestion, EvalVideo
from streamer.synth import Card, ClipScript, Shape, Speech, render
from streamer.timeref import format_clock

SHORT_DELAY = 8.0  # seconds: half the questions come within this long after their fact
LAST_ASK = 0.5  # seconds before the end of the stream: the latest a question is asked
TIME_TOLERANCE = 2.0  # seconds either side of a fact's span that a "when" answer may name
P_CHOICE = 0.5  # share of sign/speech facts first asked about as multiple choice
P_BOTH_FORMS = 0.4  # share also asked about in the other form (open / choice), at another time
P_WHEN, P_YESNO, P_BEFORE, P_COLOUR = 0.4, 0.3, 1.0, 0.8


@dataclass(frozen=True)
class SyntheticSpec:
    minutes: float = 1.0
    seed: int = 0
    width: int = 320
    height: int = 180
    fps: int = 4

    @property
    def name(self) -> str:
        return f"synthetic-{self.minutes:g}min-seed{self.seed}-{self.width}x{self.height}"

    @property
    def duration(self) -> float:
        return round(self.minutes * 60.0, 3)


class _Questions:
    """Builds the questions of one stream, numbered in the order they are made."""

    def __init__(self, facts: list[Planted], duration: float, rng: random.Random) -> None:
        self.facts, self.duration, self.rng = facts, duration, rng
        self.out: list[EvalQuestion] = []

    def add(self, **kw: object) -> None:
        self.out.append(EvalQuestion(qid=f"q{len(self.out):04d}", **kw))  # type: ignore[arg-type]

    def ask_time(self, after: float) -> float | None:
        """A time after `after`: within SHORT_DELAY half the time, any later time otherwise."""
        latest = self.duration - LAST_ASK
        if after + 1.0 > latest:
            return None
        short = min(SHORT_DELAY, latest - after)
        if self.rng.random() < 0.5:
            delay = self.rng.uniform(1.0, short)
        else:
            delay = self.rng.uniform(short, latest - after)
        return round(after + max(1.0, delay), 1)

    def options(
        self, gold: str, pool: tuple[str, ...], seen: set[str]
    ) -> tuple[tuple[str, ...], int]:
        """Four options: the gold, then values seen elsewhere in the stream, then any."""
        others = [v for v in pool if v != gold]
        self.rng.shuffle(others)
        others.sort(key=lambda v: v not in seen)  # stable: values from the stream first
        opts = [gold, *others[:3]]
        self.rng.shuffle(opts)
        return tuple(opts), opts.index(gold)


def make_questions(facts: list[Planted], duration: float, rng: random.Random) -> list[EvalQuestion]:
    """Every question about `facts`, each asked after the fact it is about."""
    qs = _Questions(facts, duration, rng)
    seen = {f.value for f in facts if f.value}
    for i, f in enumerate(facts):
        if f.kind in ("sign", "speech"):
            _about_value(qs, f, seen)
            if f.kind == "sign" and i > 0:
                _before(qs, f, facts[i - 1])
        elif f.kind == "shape" and rng.random() < P_COLOUR:
            _colour(qs, f)
    _counts(qs)
    _absent(qs, sum(1 for q in qs.out if q.answer_type == "yesno"))
    return qs.out


def _question_subject(f: Planted) -> str:
    return f.subject.lower() if f.kind == "sign" else f.subject


def _about_value(qs: _Questions, f: Planted, seen: set[str]) -> None:
    """The value asked open or as a choice (sometimes both), then maybe when, then yes/no."""
    tpl, s, rng = template(f.template), _question_subject(f), qs.rng
    forms = ["choice", "what"] if rng.random() < P_CHOICE else ["what", "choice"]
    for form in forms[: 1 + (rng.random() < P_BOTH_FORMS)]:
        at = qs.ask_time(f.end)
        if at is None:
            continue
        common = dict(question=tpl.question.format(s=s), at=at, answer=f.value, sub_type=tpl.name)
        if form == "choice":
            opts, idx = qs.options(f.value, tpl.values, seen)
            qs.add(
                **common,
                options=opts,
                answer_index=idx,
                answer_type=f"{f.kind}-choice",
                scoring="choice",
            )
        else:
            qs.add(**common, answer_type=f"{f.kind}-what", scoring="text")
    _when_and_yes(qs, f, tpl, s)


def _when_and_yes(qs: _Questions, f: Planted, tpl: Template, s: str) -> None:
    mention = tpl.mention.format(s=s)
    at = qs.ask_time(f.end)
    if at is not None and qs.rng.random() < P_WHEN:
        question = (
            f"When was {mention} shown?"
            if f.kind == "sign"
            else f"When did someone mention {mention}?"
        )
        qs.add(
            question=question,
            at=at,
            answer=format_clock(f.start),
            answer_type="when",
            sub_type=tpl.name,
            scoring="time",
            answer_span=(f.start, f.end),
        )
    at = qs.ask_time(f.end)
    if at is not None and qs.rng.random() < P_YESNO:
        qs.add(
            question=_yesno_text(f.kind, tpl, s),
            at=at,
            answer="yes",
            answer_type="yesno",
            sub_type=tpl.name,
            scoring="yesno",
        )


def _yesno_text(kind: str, tpl: Template, subject: str) -> str:
    mention = tpl.mention.format(s=subject)
    if kind == "sign":
        return f"Was there a sign about {mention.removeprefix('the sign about ')}?"
    return f"Did someone mention {mention}?"


def _before(qs: _Questions, f: Planted, prev: Planted) -> None:
    """Asks what was said right before a sign, when a sentence came just before it."""
    if prev.kind != "speech" or qs.rng.random() >= P_BEFORE:
        return
    at = qs.ask_time(f.end)
    if at is None:
        return
    mention = template(f.template).mention.format(s=_question_subject(f))
    qs.add(
        question=f"What was said right before {mention}?",
        at=at,
        answer=prev.value,
        answer_type="before",
        sub_type=prev.template,
        scoring="text",
    )


def _colour(qs: _Questions, f: Planted) -> None:
    at = qs.ask_time(f.end)
    if at is None:
        return
    shown = [s for s in qs.facts if s.kind == "shape" and s.template == f.template and s.end <= at]
    if any(s.start <= at < s.end for s in qs.facts if s.kind == "shape"):
        return  # a shape on screen right now would make "most recent" ambiguous
    gold = shown[-1].value
    opts, idx = qs.options(gold, SHAPE_COLORS, set())
    qs.add(
        question=f"What colour was the most recent {f.template}?",
        at=at,
        answer=gold,
        options=opts,
        answer_index=idx,
        answer_type="colour",
        sub_type=f.template,
        scoring="choice",
    )


def _counts(qs: _Questions) -> None:
    """Asks how many times each notice was shown, after its last showing."""
    shows: dict[str, list[Planted]] = {}
    for f in qs.facts:
        if f.kind == "notice":
            shows.setdefault(f.subject, []).append(f)
    for text, fs in shows.items():
        at = qs.ask_time(fs[-1].end)
        if at is not None:
            qs.add(
                question=f"How many times was the {text.lower()} sign shown?",
                at=at,
                answer=str(len(fs)),
                answer_type="count",
                sub_type="notice",
                scoring="number",
            )


def _absent(qs: _Questions, n: int) -> None:
    """`n` yes/no questions about subjects never planted: their answer is no."""
    pools = Pools(random.Random(qs.rng.random()))
    used = {(f.template, f.subject) for f in qs.facts}
    for _ in range(n):
        tpl = qs.rng.choice(SIGNS + SPOKEN)
        unused = [s for s in pools.left[tpl.name] if (tpl.name, s) not in used]
        at = qs.ask_time(0.0)
        if not unused or at is None:
            continue
        subject = qs.rng.choice(unused)
        used.add((tpl.name, subject))
        kind = "sign" if tpl in SIGNS else "speech"
        s = subject.lower() if kind == "sign" else subject
        qs.add(
            question=_yesno_text(kind, tpl, s),
            at=at,
            answer="no",
            answer_type="yesno",
            sub_type=tpl.name,
            scoring="yesno",
        )


def script(spec: SyntheticSpec, facts: list[Planted]) -> ClipScript:
    """The clip that shows and says `facts`."""
    cards, shapes, speech = [], [], []
    for f in facts:
        if f.kind in ("sign", "notice"):
            cards.append(Card(f.start, f.end, f.text, background=f.background))
        elif f.kind == "shape":
            shapes.append(Shape(f.start, f.end, f.template, f.value))
        else:  # speech and filler slots change the scene: a plain backdrop of another colour
            t0 = f.start - (0.5 if f.kind == "speech" else 0.0)
            cards.append(Card(t0, f.end, " ", background=f.background))
            if f.kind == "speech":
                speech.append(Speech(f.start, f.text))
    return ClipScript(spec.duration, cards, shapes, speech, spec.width, spec.height, spec.fps)


def generate(spec: SyntheticSpec, folder: Path) -> Path:
    """Write `<name>.mp4`, `<name>.jsonl` (questions) and `<name>.facts.json`; cached."""
    folder = Path(folder).expanduser()
    video, questions = folder / f"{spec.name}.mp4", folder / f"{spec.name}.jsonl"
    if video.exists() and questions.exists():
        return questions
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(spec.seed)
    facts = plant(spec.duration, rng)
    qs = make_questions(facts, spec.duration, rng)
    rendered = render(script(spec, facts), str(video))
    spoken: list[dict[str, Any]] = rendered["speech"]  # type: ignore[assignment]
    for s in spoken:
        slot_end = next(f.end for f in facts if f.kind == "speech" and f.start == s["t"])
        if s["end"] > slot_end:
            raise StreamerError(f"The sentence at {s['t']} s runs past its slot; shorten it.")
    meta = {"spec": asdict(spec), "facts": [asdict(f) for f in facts], "rendered": rendered}
    (folder / f"{spec.name}.facts.json").write_text(json.dumps(meta, indent=1))
    lines = [json.dumps({"video": video.name, **q.to_dict()}) for q in qs]
    with atomic_file(questions) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
    return questions


def load_synthetic(path: str | Path) -> Benchmark:
    """A questions file written by `generate` (videos named relative to it)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise StreamerError(f"Synthetic questions file not found: {path}.")
    groups: dict[str, list[EvalQuestion]] = {}
    for n, line in enumerate(read_text(path, "synthetic questions").split("\n"), 1):
        if not line.strip():
            continue
        d = parse_json(line, f"{path} line {n}")
        with record(f"{path} line {n}"):
            name = d.pop("video")
            if not isinstance(name, str):
                raise TypeError(f"its video is {type(name).__name__}, not a file name")
            groups.setdefault(name, []).append(EvalQuestion.from_dict(d))
    bench = Benchmark("synthetic", [], annotations=[str(path)])
    for name, questions in sorted(groups.items()):
        video = path.parent / name
        if video.is_file():
            bench.videos.append(EvalVideo(Path(name).stem, str(video), questions))
        else:
            bench.missing_videos.append(name)
            bench.missing_questions += len(questions)
    return bench
