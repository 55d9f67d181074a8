"""Published responses in the benchmarks' own results formats, scored into their official tables.

The two results files in tests/assets are written by hand in the formats the
benchmarks' repositories publish (OVO-Bench's results/<model>/*.json, the question
file StreamingBench's eval.py writes back); every expected number below is worked
out by hand from the official scripts' rules (OVO-Bench score.py, StreamingBench
count.py), item by item, in the comments.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cli.main import main
from streamer.eval.published import GoldChange, Renumbered, score_published
from tests.eval.conftest import ASSETS

OVO_RESULTS = ASSETS / "ovo-bench-results-sample.json"
OVO_ANNOTATIONS = ASSETS / "ovo-bench-sample.json"
SB_RESULTS = ASSETS / "streamingbench-results-sample.json"
SB_QUESTIONS = ASSETS / "streamingbench-sample.json"

# OVO-Bench, each item by score.py's rule (gold letter in the response; REC digits joined;
# SSR/CRR "Y"/"N" or "Yes"/"No" in the response):
#   EPM 0 "C. PACK THE TOOLS" gold C: 1        ASI 1 "B" gold B (annotations: A): 1
#   OCR 2 "A" gold B: 0                        STU 3 "The answer is C" gold C: 1
#   REC 4 "0" count 0: 1; "I count 1, maybe 2" -> "12", count 1: 0          -> 1/2
#   SSR 5 "Y" type 1: 1; "Yes" type 0: 0                                    -> 1/2
#   CRR 6 "No" type 0: 1; "Not yet" type 1: 0; "Yes." type 1: 1             -> 2/3
BACKWARD, REALTIME, FORWARD = 1.0, 0.5, (0.5 + 0.5 + 2 / 3) / 3
TOTAL_AVG = (BACKWARD + REALTIME + FORWARD) / 3  # score.py prints "Total Avg.: 68.52"


def test_ovo_results_give_score_py_total() -> None:
    s = score_published("ovo-bench", OVO_RESULTS)
    o = s.official
    assert {t: g["accuracy"] for t, g in o["tasks"].items()} == {
        "ASI": 1.0,
        "CRR": pytest.approx(2 / 3, abs=1e-4),
        "EPM": 1.0,
        "OCR": 0.0,
        "REC": 0.5,
        "SSR": 0.5,
        "STU": 1.0,
    }
    assert o["tasks"]["CRR"]["n"] == 3 and o["tasks"]["REC"]["n"] == 2  # one item per probe
    assert o["averages"] == {
        "backward": BACKWARD,
        "realtime": REALTIME,
        "forward": pytest.approx(FORWARD, abs=1e-4),
    }
    assert o["total_avg"] == pytest.approx(TOTAL_AVG, abs=1e-4)  # 0.6852, not the task mean
    assert o["mean_over_tasks"] == pytest.approx((3 + 0.5 + 0.5 + 2 / 3) / 7, abs=1e-4)
    assert s.changed == [] and s.annotations_sha256 is None


def test_ovo_results_against_revised_annotations_list_the_changed_item() -> None:
    s = score_published("ovo-bench", OVO_RESULTS, str(OVO_ANNOTATIONS))
    assert s.changed == [GoldChange("1", "ASI", "B", "A")]
    assert s.official["averages"]["backward"] == 0.5  # ASI now wrong: "B" holds no "A"
    assert s.official["total_avg"] == pytest.approx((0.5 + REALTIME + FORWARD) / 3, abs=1e-4)
    assert s.annotations_sha256 == hashlib.sha256(OVO_ANNOTATIONS.read_bytes()).hexdigest()


# StreamingBench, by count.py's rule (the response's first character is the gold letter;
# a question without a response is not counted):
#   Text-Rich "C" gold C: 1           Object Perception " A" gold A: 0 (first character " ")
#   Misleading "B. GATE 7 ..." gold D (questions file: B): 0
#   Counting sample_2: no response: not counted     Counting sample_3 "The answer is B": 0
def test_streamingbench_output_gives_count_py_total() -> None:
    s = score_published("streamingbench", SB_RESULTS)
    assert s.model == "MiniCPM-V" and s.unanswered == 1
    o = s.official
    assert o["total"] == {"n": 4, "accuracy": 0.25}  # count.py's "total,4,1,0.25"
    assert {t: (g["n"], g["accuracy"]) for t, g in o["tasks"].items()} == {
        "Counting": (1, 0.0),
        "Misleading Context Understanding": (1, 0.0),
        "Object Perception": (1, 0.0),
        "Text-Rich Understanding": (1, 1.0),
    }
    again = score_published("streamingbench", SB_RESULTS, str(SB_QUESTIONS))
    assert again.changed == [
        GoldChange(
            "sample_1_Text-Rich_Understanding@00:00:07#0",
            "Misleading Context Understanding",
            "D",
            "B",
        )
    ]
    assert again.official["total"]["accuracy"] == 0.5


def test_score_prints_the_official_table(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "--score", str(OVO_RESULTS), "--benchmark", "ovo-bench"]
    assert main([*argv, "--annotations", str(OVO_ANNOTATIONS)]) == 0
    out = capsys.readouterr().out
    assert "| Total Avg. (score.py: mean of the three averages) |  | 51.85 |" in out
    assert "| 1 | ASI | B | A |" in out and "sha256" in out
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["official"]["total_avg"] == 0.6852


def test_score_refuses_what_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--score", str(OVO_RESULTS), "--benchmark", "ovbench"]) == 2
    assert "Give --benchmark ovo-bench or streamingbench with --score." in capsys.readouterr().err
    two = json.loads(SB_RESULTS.read_text())
    two[0]["questions"][0]["GPT-4o"] = "C"
    two[0]["questions"][0]["audio_path"] = "./audio/sqa/sample_1.wav"  # a field, not a model
    (tmp_path / "two.json").write_text(json.dumps(two))
    assert (
        main(["eval", "--score", str(tmp_path / "two.json"), "--benchmark", "streamingbench"]) == 2
    )
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.endswith("(GPT-4o, MiniCPM-V); name one with --model.")
    argv = ["eval", "--score", str(tmp_path / "two.json"), "--benchmark", "streamingbench"]
    assert main([*argv, "--model", "GPT-4o", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["official"]["total"] == {"n": 1, "accuracy": 1.0}


def test_a_reply_in_a_list_is_read_as_its_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Some published files hold each reply as a batch's list of one (["B."]): its text counts."""
    data = json.loads(OVO_RESULTS.read_text())
    data["backward"][0]["response"] = ["C."]  # gold C: right, as the string "C." is
    data["forward"][0]["test_info"][1]["response"] = ["1"]  # count 1: right now
    (tmp_path / "list.json").write_text(json.dumps(data))
    tasks = score_published("ovo-bench", tmp_path / "list.json").official["tasks"]
    assert tasks["EPM"]["accuracy"] == 1.0 and tasks["REC"]["accuracy"] == 1.0
    data["realtime"][0]["response"] = {"text": "A"}
    (tmp_path / "odd.json").write_text(json.dumps(data))
    assert main(["eval", "--score", str(tmp_path / "odd.json"), "--benchmark", "ovo-bench"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "realtime item 0 does not fit" in err


def test_a_shared_id_is_matched_by_its_question(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Results made with an older annotation file can hold two records under one id (OVO-Bench's
    Gemini EPM 192: the questions now numbered 192 and 194): each is scored against its own."""
    annotations = json.loads(OVO_ANNOTATIONS.read_text())
    later = {**annotations[0], "id": 7, "realtime": 8, "gt": 1}  # the same question asked later
    (tmp_path / "annotations.json").write_text(json.dumps([*annotations, later]))
    results = json.loads(OVO_RESULTS.read_text())
    twin = {**results["backward"][0], "response": "B", "ground_truth": "B"}  # id 0 again
    results["backward"].append(twin)
    (tmp_path / "results.json").write_text(json.dumps(results))
    s = score_published("ovo-bench", tmp_path / "results.json", str(tmp_path / "annotations.json"))
    assert s.renumbered == [Renumbered("0", "7", "EPM")]
    assert s.changed == [GoldChange("1", "ASI", "B", "A")]  # the twin's gold is its own: B
    assert s.official["tasks"]["EPM"] == {"n": 2, "accuracy": 1.0}
    argv = ["eval", "--score", str(tmp_path / "results.json"), "--benchmark", "ovo-bench"]
    assert main([*argv, "--annotations", str(tmp_path / "annotations.json")]) == 0
    assert "to the annotation record it answers: EPM 0 -> 7." in capsys.readouterr().out


SB_PROACTIVE = ASSETS / "streamingbench-proactive-results-sample.json"


def test_proactive_output_is_scored_by_count_py_rule(capsys: pytest.CaptureFixture[str]) -> None:
    """count.py --task proactive on the sample prints "Proactive Output,4,2,0.5,1,0.25":
    the last turn within 2 s of the gold time (0:29 at 0:29 yes; 3 s late no; 2 s early
    yes; the last "No" 4 s after no), then the gold output in its words ("3" yes; "A red
    square" has no "circle"); the fifth question holds no response of the model."""
    s = score_published("streamingbench", SB_PROACTIVE)
    assert s.model == "MiniCPM-V" and s.unanswered == 1
    assert s.official["proactive"] == {
        "Proactive Output": {
            "n": 4,
            "time_correct": 2,
            "time_accuracy": 0.5,
            "answer_correct": 1,
            "answer_accuracy": 0.25,
        }
    }
    assert s.official["total"]["n"] == 0  # count.py's proactive table has no "total" row
    argv = ["eval", "--score", str(SB_PROACTIVE), "--benchmark", "streamingbench"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "| Proactive Output | 4 | 50.00 | 25.00 |" in out
