"""One row per family (`models.vlm.registry.FAMILIES`), and every table reads it."""

from __future__ import annotations

import pytest

from models.vlm.catalog import CATALOG
from models.vlm.registry import FAMILIES, family_of, labels
from models.vlm.synthetic import RANDOM_MODELS
from streamer.memory.items import MemoryConfigError
from streamer.memory.kv import KvMemory


def test_the_catalog_is_every_rows_published_checkpoints() -> None:
    assert [(m.model_id, m.family) for m in CATALOG] == [
        (i, f.label) for f in FAMILIES for i in f.published
    ]
    assert all(m.supported for m in CATALOG)
    assert family_of("llava") is None and family_of("qwen2_5_vl") is FAMILIES[2]


def test_the_random_models_are_every_rows_shapes() -> None:
    assert list(RANDOM_MODELS) == [name for f in FAMILIES for name, _ in f.shapes]
    for name, (row, shape) in RANDOM_MODELS.items():
        assert dict(row.shapes)[name] is shape


def test_the_kv_refusal_names_every_family() -> None:
    with pytest.raises(MemoryConfigError) as e:
        KvMemory(model=object())  # type: ignore[arg-type]
    assert labels() in str(e.value)
    assert all(f.label in str(e.value) for f in FAMILIES)
