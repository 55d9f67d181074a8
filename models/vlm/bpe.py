"""A byte-level BPE trained in well under a second: the tokenizer of a random-weight model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["TOKENIZER_VOCAB", "train_bpe"]

TOKENIZER_VOCAB = 600


def train_bpe(sentences: Sequence[str], special_tokens: Sequence[str], vocab_size: int) -> Any:
    """A byte-level BPE (`tokenizers.Tokenizer`) trained on `sentences`, in well under a second.

    Random-weight models need a tokenizer of the family's shape, not of its words;
    wrap it in `PreTrainedTokenizerFast` with the family's special tokens.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(list(sentences) * 4, trainer)
    return bpe
