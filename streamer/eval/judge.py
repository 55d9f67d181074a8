"""An optional local LLM judge of open answers: yes/no and a 0-5 score against the gold answer.

    judge = load_judge("llm")                 # the packaged Qwen2.5-Coder-1.5B GGUF
    judge.verdict("What time?", "noon", "At 0:05 the sign read GATE 7 CLOSES AT NOON.")
      -> Verdict(match=True, score=5, reply='{"pred": "yes", "score": 5}')

VStream-QA and RVS are scored by a GPT judge asked whether the prediction
matches the gold answer (yes/no) and how well (0-5); their published numbers
move by 5-15 points with the judge. This is the same protocol on a local model,
greedy, with its prompt stored in the report: a number anyone can make again,
though not comparable to GPT-judged ones. The deterministic scores (contains,
exact, token F1, cosine) stay the headline; the judge's are extra columns.

Verdicts are kept in the run folder (`judge.jsonl`, one line per open answer,
appended as they come; `judge.json` says which judge and prompt), so a rescore
judges only answers it has no verdict for, and a rescore without `--judge`
keeps the stored verdicts.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from models.llm import ChatMessage, LanguageModel
from streamer.errors import StreamerError
from streamer.store import append_jsonl, read_json, read_jsonl, write_json_atomic

VERDICTS = "judge.jsonl"
JUDGE_INFO = "judge.json"
MAX_TOKENS = 24  # '{"pred": "yes", "score": 5}' is 13 tokens
STOP = ("\n\n", "<|im_end|>", "<|endoftext|>")
SYSTEM = (
    "You grade answers to questions about a video. You are given the question, the correct "
    "answer and a predicted answer. Decide whether the predicted answer means the same as the "
    "correct one: it may use other words or add details, but it must not contradict it or miss "
    "its point. Reply with one line of JSON only: "
    '{"pred": "yes" or "no", "score": an integer from 0 (wrong) to 5 (the same meaning)}.'
)
USER = "Question: {question}\nCorrect answer: {gold}\nPredicted answer: {prediction}"
PROMPT_ID = hashlib.sha256(f"{SYSTEM}\n{USER}".encode()).hexdigest()[:12]
INSTALL = "install both with make test-llm"


@dataclass(frozen=True)
class Verdict:
    """The judge's reply, read: `match` and `score` are None when the reply says neither."""

    match: bool | None
    score: int | None  # 0-5
    reply: str


def parse_verdict(reply: str) -> Verdict:
    """Read '{"pred": "yes", "score": 4}', also fenced, single-quoted or loosely written."""
    text = reply.strip()
    match: bool | None = None
    score: int | None = None
    obj = re.search(r"\{.*?\}", text, re.S)
    if obj:
        try:
            data = json.loads(obj.group(0).replace("'", '"'))
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            match = _yes_no(str(data.get("pred", "")))
            score = _score(str(data.get("score", "")))
    if match is None:
        m = re.search(r"pred\W*(yes|no)\b", text, re.I) or re.search(r"\b(yes|no)\b", text, re.I)
        match = _yes_no(m.group(1)) if m else None
    if score is None:
        m = re.search(r"score\W*(\d+)", text, re.I)
        score = _score(m.group(1)) if m else None
    return Verdict(match, score, reply)


def _yes_no(word: str) -> bool | None:
    w = word.strip().lower()
    return True if w == "yes" else False if w == "no" else None


def _score(text: str) -> int | None:
    try:
        value = int(float(text.strip()))
    except ValueError:
        return None
    return value if 0 <= value <= 5 else None


class Judge:
    """A language model asked the prompt above, once per (question, gold, prediction)."""

    def __init__(self, model: LanguageModel, described: dict[str, Any]) -> None:
        self.model = model
        self.described = described  # what the report says of the model: name, sha256, ...

    def verdict(self, question: str, gold: str, prediction: str) -> Verdict:
        user = USER.format(question=question, gold=gold, prediction=prediction or "(no answer)")
        messages = [ChatMessage("system", SYSTEM), ChatMessage("user", user)]
        return parse_verdict("".join(self.model.stream(messages, MAX_TOKENS, STOP)))

    def info(self) -> dict[str, Any]:
        """The report's "judge" section head: which model, which prompt."""
        made_by = str(self.described.get("sha256") or self.described.get("name"))
        return {
            "model": self.described,
            "judge_id": f"{PROMPT_ID}-{made_by[:12]}",  # a verdict stands for this pair only
            "prompt_id": PROMPT_ID,
            "prompt": {"system": SYSTEM, "user": USER},
            "max_tokens": MAX_TOKENS,
            "decoding": "greedy",
        }


def load_judge(name: str) -> Judge:
    """The judge called `name`: "llm" (the packaged GGUF) or "llm:PATH.gguf", loaded now.

    Raises:
        StreamerError: another name, or llama-cpp-python or the weights missing.
    """
    from models.llm import LlamaModel, llama_available
    from models.weights import ModelMissingError
    from streamer.eval.provenance import backend_models, versions

    kind, _, arg = name.partition(":")
    if kind.strip() != "llm":
        raise StreamerError(f"Unknown judge {name!r}; use --judge llm (or llm:PATH.gguf).")
    if not llama_available():
        raise StreamerError(
            "The llm judge needs llama-cpp-python and the packaged Qwen2.5-Coder-1.5B "
            f"weights; {INSTALL}."
        )
    try:
        model = LlamaModel(arg.strip() or None).load()
    except ModelMissingError as e:
        if arg.strip():
            raise
        raise StreamerError(
            f"The llm judge needs the packaged Qwen2.5-Coder-1.5B weights ({e}); {INSTALL}."
        ) from None
    described = backend_models(name)[0] | {"role": "judge"}
    described["llama-cpp-python"] = versions().get("llama-cpp-python")
    return Judge(model, described)


@dataclass(frozen=True)
class Asked:
    """One open answer to judge."""

    qid: str
    question: str
    gold: str
    prediction: str


def judge_answers(
    out: Path, asked: list[Asked], judge: Judge | None
) -> tuple[dict[str, Verdict], dict[str, Any] | None]:
    """Verdicts by qid for `asked`, from `out`'s stored ones and, given a judge, new ones.

    Returns the verdicts and the judge's info (None when no judge ever ran here).
    A stored verdict counts only for the same judge, prompt, gold and prediction.
    """
    info = judge.info() if judge is not None else _stored_info(out)
    if info is None:
        return {}, None
    if judge is not None:
        write_json_atomic(out / JUDGE_INFO, info)
    stored = _stored(out, info["judge_id"])
    got: dict[str, Verdict] = {}
    for a in asked:
        key = (a.qid, a.gold, a.prediction)
        if key in stored:
            got[a.qid] = stored[key]
        elif judge is not None:
            v = judge.verdict(a.question, a.gold, a.prediction)
            line = {"judge_id": info["judge_id"], **asdict(a), **asdict(v)}
            append_jsonl(out / VERDICTS, [line])
            got[a.qid] = v
    return got, info


def _stored_info(out: Path) -> dict[str, Any] | None:
    path = out / JUDGE_INFO
    return read_json(path) if path.is_file() else None


def _stored(out: Path, judge_id: str) -> dict[tuple[str, str, str], Verdict]:
    path = out / VERDICTS
    if not path.is_file():
        return {}
    return {
        (r["qid"], r["gold"], r["prediction"]): Verdict(r["match"], r["score"], r["reply"])
        for r in read_jsonl(path)
        if r.get("judge_id") == judge_id
    }
