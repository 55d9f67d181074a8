"""A model whose weights are in place but that the installed packages cannot load.

Weights that are missing or damaged raise `ModelMissingError` in `models.weights`;
this is the other way a model fails to start: a library that changed under it
(OpenCV 5.1 dropped the TensorFlow importer the COCO detector loads with). Either
way the user reads one sentence naming the model and the command that fixes it.

Example:
    >>> class Detector:
    ...     @loads("COCO object detector")
    ...     def _load_locked(self) -> None: ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from models.weights import ModelMissingError

__all__ = ["REINSTALL", "ModelLoadError", "loads"]

P = ParamSpec("P")
R = TypeVar("R")

REINSTALL = (
    "reinstall the tested versions with `make run` "
    "(or `pip install -r requirements/py311-app.lock`)"
)


class ModelLoadError(ModelMissingError):
    """The weights are verified, but the installed packages cannot load them.

    A `ModelMissingError`, so every place that shows that error's sentence shows this one.
    """


def loads(model: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn any failure of the wrapped loader into one `ModelLoadError` sentence naming `model`.

    `ModelMissingError` (weights absent or damaged) passes through unchanged: it already
    says which package to install.
    """

    def wrap(load: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(load)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return load(*args, **kwargs)
            except ModelMissingError:
                raise
            except Exception as e:
                raise ModelLoadError(
                    f"The {model} cannot load with the installed packages: {REINSTALL} "
                    f"(the error was {type(e).__name__}: {e})."
                ) from e

        return run

    return wrap
