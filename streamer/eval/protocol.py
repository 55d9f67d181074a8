"""The benchmarks' own prompts, read from the user's checkout of their repository.

    t = protocol_templates("ovo-bench", Path("OVO-Bench"))
    t.strings["BR_PROMPT_TEMPLATE"]    # constant.py's multiple-choice template
    ovo_prompt(t, "EPM", question="Who ...?", options=("a", "b"))

A model's score depends on its prompt, so numbers meant to stand beside a
leaderboard's are asked in the benchmark's words. The templates are the
module-level string constants of one file of the checkout, read with `ast` and
never executed:

- OVO-Bench, `constant.py`: BR_PROMPT_TEMPLATE (backward and real-time, options
  as "A. x; B. y;"), REC_PROMPT_TEMPLATE (given "How many times did they
  <activity>?"), SSR_PROMPT_TEMPLATE (given the step), CRR_PROMPT_TEMPLATE (given
  the question) -- filled as its `utils/OVOBench.py` fills them;
- StreamingBench, `src/benchmark/StreamingBench.py`: PROMPT_TEMPLATE (the
  question and four options "A. x" ...), followed by "The best option is:" as its
  evaluation adds.

The checkout's annotation file is the default one too (OVO-Bench
`data/ovo_bench_new.json`, StreamingBench `src/data/questions_real.json`).
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path

from streamer.errors import StreamerError
from streamer.eval.records import read_text

TEMPLATE_FILES = {
    "ovo-bench": ("constant.py", ("BR_PROMPT_TEMPLATE", "REC_PROMPT_TEMPLATE")),
    "streamingbench": ("src/benchmark/StreamingBench.py", ("PROMPT_TEMPLATE",)),
}
OVO_FORWARD = {"SSR": "SSR_PROMPT_TEMPLATE", "CRR": "CRR_PROMPT_TEMPLATE"}
ANNOTATION_FILES = {
    "ovo-bench": "data/ovo_bench_new.json",
    "streamingbench": "src/data/questions_real.json",
}
SB_ANSWER_CUE = "\n\nThe best option is:"  # what StreamingBench's eval appends to the template


@dataclass(frozen=True)
class Templates:
    """The string constants of one file of a benchmark's repository."""

    source: str  # the file read
    sha256: str  # of that file, so a changed template is visible in the report
    strings: dict[str, str]

    def get(self, name: str) -> str:
        if name not in self.strings:
            raise StreamerError(f"{self.source} defines no {name}; give a checkout that does.")
        return self.strings[name]

    @property
    def described(self) -> str:
        return f"the benchmark's templates: {self.source} (sha256 {self.sha256})"


def string_constants(source: str) -> dict[str, str]:
    """Module-level `NAME = "..."` assignments of Python source; the last one of a name wins."""
    out: dict[str, str] = {}
    for node in ast.parse(source).body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        value = getattr(node, "value", None)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            out.update({t.id: value.value for t in targets if isinstance(t, ast.Name)})
    return out


def protocol_templates(benchmark: str, checkout: str | Path) -> Templates:
    """The templates of `benchmark` in the checkout at `checkout`."""
    if benchmark not in TEMPLATE_FILES:
        raise StreamerError(
            f"--protocol has templates for {', '.join(TEMPLATE_FILES)} only, not {benchmark}."
        )
    name, required = TEMPLATE_FILES[benchmark]
    path = Path(checkout).expanduser() / name
    if not path.is_file():
        raise StreamerError(
            f"{path} not found; give --protocol the folder of a checkout of {benchmark}'s "
            "repository."
        )
    text = read_text(path, benchmark)
    try:
        strings = string_constants(text)
    except SyntaxError as e:
        raise StreamerError(f"{path} is not Python source this can read ({e.msg}).") from None
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    t = Templates(str(path), sha, strings)
    for n in required:
        t.get(n)
    return t


def protocol_annotations(benchmark: str, checkout: str | Path) -> str:
    """The checkout's annotation file, the default when --annotations is not given."""
    return str(Path(checkout).expanduser() / ANNOTATION_FILES[benchmark])


def _fill(template: str, *values: str) -> str:
    try:
        return template.format(*values)
    except (IndexError, KeyError, ValueError) as e:
        raise ValueError(f"the template does not take {len(values)} values ({e})") from None


def ovo_prompt(t: Templates, task: str, question: str = "", options: tuple[str, ...] = ()) -> str:
    """OVO-Bench's prompt: `question` is the activity (REC), the step (SSR) or the question."""
    if task == "REC":
        return _fill(t.get("REC_PROMPT_TEMPLATE"), f"How many times did they {question}?")
    if task in OVO_FORWARD:
        return _fill(t.get(OVO_FORWARD[task]), question)
    listed = "; ".join(f"{chr(65 + i)}. {o}" for i, o in enumerate(options)) + ";"
    return _fill(t.get("BR_PROMPT_TEMPLATE"), question, listed)


def sb_prompt(t: Templates, question: str, options: list[str]) -> str:
    """StreamingBench's prompt: the options as its files write them ("A. x"), else lettered."""
    if options and not options[0].startswith("A."):
        options = [f"{chr(65 + i)}. {o}" for i, o in enumerate(options)]
    return _fill(t.get("PROMPT_TEMPLATE"), question, *options) + SB_ANSWER_CUE
