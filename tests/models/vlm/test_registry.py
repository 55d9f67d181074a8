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


@pytest.mark.parametrize("name", list(RANDOM_MODELS))
def test_every_bench_model_is_built_from_its_shape(name: str) -> None:
    """One `Shape` type for every family: the random model's config carries the shape's
    language model (width, depth, heads, MLP, vocabulary, tied head) and tower width/depth.
    Built on torch's meta device: no weights are allocated."""
    from models.vlm.families import Shape
    from models.vlm.synthetic import build_random

    _, shape = RANDOM_MODELS[name]
    assert isinstance(shape, Shape)
    config = build_random(name, device="meta").model.config  # type: ignore[attr-defined]
    text, vision = config.text_config, config.vision_config
    lm = (text.hidden_size, text.num_hidden_layers, text.num_attention_heads)
    assert lm == (shape.lm_hidden, shape.lm_layers, shape.lm_heads)
    assert text.num_key_value_heads == shape.lm_kv_heads
    assert text.intermediate_size == shape.lm_intermediate and text.vocab_size >= shape.vocab
    assert bool(config.tie_word_embeddings) is shape.tied
    heads = getattr(vision, "num_attention_heads", None) or vision.num_heads
    tower = (vision.hidden_size, heads, vision.intermediate_size, vision.patch_size)
    assert tower == (
        shape.vision_hidden,
        shape.vision_heads,
        shape.vision_intermediate,
        shape.patch,
    )
    layers = getattr(vision, "num_hidden_layers", None) or vision.depth
    assert layers == shape.vision_layers
