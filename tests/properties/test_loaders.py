"""Properties of the readers of hand-made files: --questions and every benchmark's annotations."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cli.ask import _bad_question, load_questions
from streamer.eval.ovbench import load_ovbench
from streamer.eval.ovo_bench import load_ovo_bench
from streamer.eval.streamingbench import load_streamingbench
from streamer.eval.synthetic import load_synthetic
from streamer.eval.vstream import load_rvs, load_vstream
from tests.properties.conftest import JSON, json_bytes, raises_only_sentences

FIXTURE = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FIELDS = st.sampled_from(
    [
        "question",
        "at",
        "options",
        "video",
        "candidates",
        "answer",
        "start",
        "end",
        "fps",
        "video_id",
        "id",
        "start_time",
        "end_time",
        "conversations",
        "video_path",
        "qid",
        "scoring",
        "answer_index",
        "image_file",
        "task",
        "realtime",
        "gt",
        "test_info",
        "activity",
        "count",
        "step",
        "type",
        "time_stamp",
        "task_type",
        "questions",
    ]
)
RECORD = st.dictionaries(FIELDS, JSON | st.text(max_size=5) | st.floats(0, 100), max_size=8)
RECORDS = st.lists(RECORD | JSON, max_size=4)
LINES = st.lists(RECORD.map(json_bytes) | st.binary(max_size=30), max_size=4).map(b"\n".join)
DEEP = b"[" * 100_000


@settings(max_examples=200, deadline=None)
@given(JSON | RECORD)
def test_bad_question_says_why_in_one_line(record: Any) -> None:
    problem = _bad_question(record)
    assert problem is None or "\n" not in problem


@FIXTURE
@given(LINES)
@example(b"\xff")  # was a UnicodeDecodeError
@example(DEEP)  # was a RecursionError
@example(b"1" * 5000)  # was a bare ValueError (int digit limit)
@example(b'{"question": "a\xe2\x80\xa8b"}')  # U+2028 split the line in two
def test_questions_files_are_read_or_refused_in_one_sentence(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(data)
    args = argparse.Namespace(questions=str(path), question=None, options=None, at=None)
    questions = raises_only_sentences(lambda: load_questions(args))
    if data == b'{"question": "a\xe2\x80\xa8b"}':
        assert questions == [{"question": "a\u2028b"}]


def _write(path: Path, value: Any) -> Path:
    path.write_bytes(value if isinstance(value, bytes) else json_bytes(value))
    return path


ANNOTATIONS = RECORDS | JSON | st.binary(max_size=30) | RECORDS.map(lambda r: {"data": r})


@FIXTURE
@given(ANNOTATIONS)
@example(b"\xff")  # was a UnicodeDecodeError
@example([{"video": "v", "candidates": ["a"], "answer": "a", "end": 1}, []])  # AttributeError
@example([{"video": "v", "candidates": 3, "answer": "a", "end": 1}])  # was a bare TypeError
@example([{"video": "v", "candidates": ["a"], "answer": "a", "end": "x"}])  # ValueError
def test_ovbench_files_are_read_or_refused_in_one_sentence(tmp_path: Path, value: Any) -> None:
    path = _write(tmp_path / "coin.json", value)
    raises_only_sentences(lambda: load_ovbench(path, None))


@FIXTURE
@given(ANNOTATIONS)
@example([{"question": "q", "answer": "a"}])  # was a bare KeyError
@example([{"video_id": [1], "question": "q", "answer": "a", "end_time": 1}])  # TypeError
def test_vstream_files_are_read_or_refused_in_one_sentence(tmp_path: Path, value: Any) -> None:
    path = _write(tmp_path / "vstream.json", value)
    raises_only_sentences(lambda: load_vstream(path, None))


@FIXTURE
@given(ANNOTATIONS)
@example([{"video_id": "v", "conversations": 3}])  # was a bare TypeError
@example([{"video_id": "v", "video_path": 5, "conversations": []}])  # Path(5): TypeError
@example([{"video_id": ["x" * 300]}])  # an id too long for a file name: OSError when looked up
def test_rvs_files_are_read_or_refused_in_one_sentence(tmp_path: Path, value: Any) -> None:
    path = _write(tmp_path / "rvs.json", value)
    raises_only_sentences(lambda: load_rvs(path, tmp_path))


@FIXTURE
@given(LINES)
@example(b'{"qid": "a"}')  # was a bare KeyError
@example(b'{"video": ["a"], "qid": "a"}')  # was a bare TypeError
@example(b"[]")  # was an AttributeError
def test_synthetic_files_are_read_or_refused_in_one_sentence(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path / "s.jsonl", data)
    raises_only_sentences(lambda: load_synthetic(path))


@FIXTURE
@given(ANNOTATIONS)
@example([{"id": 1, "task": "EPM", "video": "v", "realtime": 1, "options": ["a"], "gt": 5}])
@example([{"id": 1, "task": "REC", "video": "v", "activity": "x", "test_info": [3]}])
@example([{"id": 1, "task": "SSR", "video": "v", "test_info": [{"realtime": 1, "type": 2}]}])
def test_ovo_bench_files_are_read_or_refused_in_one_sentence(tmp_path: Path, value: Any) -> None:
    path = _write(tmp_path / "ovo.json", value)
    raises_only_sentences(lambda: load_ovo_bench(path, tmp_path))


@FIXTURE
@given(ANNOTATIONS)
@example([{"video_path": "v", "questions": [{"options": ["A. a"], "answer": "Z"}]}])
@example(
    [
        {
            "video_path": "v",
            "questions": [
                {
                    "options": ["A. a"],
                    "answer": "A",
                    "task_type": "Counting",
                    "question": "q",
                    "time_stamp": "1:2:3:4",
                }
            ],
        }
    ]
)
def test_streamingbench_files_are_read_or_refused_in_one_sentence(
    tmp_path: Path, value: Any
) -> None:
    path = _write(tmp_path / "sb.json", value)
    raises_only_sentences(lambda: load_streamingbench(path, tmp_path, "real", 60.0))
