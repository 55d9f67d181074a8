"""all-MiniLM-L6-v2 from its package, offline."""

from __future__ import annotations

import numpy as np
import pytest

from models.protocols import TextEmbedder
from models.text_embedder import MiniLmEmbedder


@pytest.fixture(scope="module")
def embedder() -> MiniLmEmbedder:
    e = MiniLmEmbedder()
    e.load()
    return e


def test_paraphrase_is_closer_than_an_unrelated_sentence(embedder: MiniLmEmbedder) -> None:
    assert isinstance(embedder, TextEmbedder)
    v = embedder.embed(
        [
            "The red train leaves platform four at nine thirty.",
            "At 9:30 the crimson train departs from platform 4.",
            "My grandmother grows tomatoes in her garden.",
        ]
    )
    paraphrase, unrelated = float(v[0] @ v[1]), float(v[0] @ v[2])
    assert paraphrase > 0.6 and unrelated < 0.3 and paraphrase > unrelated + 0.4


def test_shape_dtype_and_unit_norm(embedder: MiniLmEmbedder) -> None:
    v = embedder.embed(["a", "a much longer sentence about a bicycle parked by a wall"])
    assert v.shape == (2, embedder.dim) == (2, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.embed("one string is not a list of sentences")


def test_same_text_same_vector_in_any_batch(embedder: MiniLmEmbedder) -> None:
    alone = embedder.embed(["gate seven closes at noon"])[0]
    batched = embedder.embed(["something else entirely", "gate seven closes at noon"])[1]
    np.testing.assert_allclose(alone, batched, atol=1e-5)
