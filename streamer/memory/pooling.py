"""Array helpers shared by the memory strategies: area pooling, unit vectors, freezing.

Token maps are (h, w, D) float32, channels last, as perception hands them over.
"""

from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=64)
def pool_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Averaging weights of adaptive average pooling from `n_in` cells to `n_out`.

    Bin i covers cells [floor(i * n_in / n_out), ceil((i + 1) * n_in / n_out)),
    the rule of torch's `adaptive_avg_pool2d`; for 7 -> 4 the bins are
    [0, 2), [1, 4), [3, 6), [5, 7) (they overlap by one cell when n_out does not
    divide n_in), for 4 -> 2 they are [0, 2), [2, 4).

    Returns:
        (n_out, n_in) float64 matrix whose rows sum to 1 (read-only, cached).
    """
    if n_in < 1 or n_out < 1:
        raise ValueError(f"pooling needs positive sizes, not {n_in} -> {n_out}")
    m = np.zeros((n_out, n_in), dtype=np.float64)
    for i in range(n_out):
        start = (i * n_in) // n_out
        end = -((-(i + 1) * n_in) // n_out)  # ceil
        m[i, start:end] = 1.0 / (end - start)
    m.flags.writeable = False
    return m


def level_shape(side: int, frame: tuple[int, int]) -> tuple[int, int]:
    """(rows, cols) of a level of grid `side` on frames of `frame` = (h, w) tokens.

    `side` is the shorter side; the longer one keeps the frame's aspect, so a
    level of a 9 x 16 frame (Qwen2.5-VL at 16:9) keeps the picture's shape:
    side 5 -> 5 x 9, side 3 -> 3 x 5. A square frame gives side x side.
    """
    h, w = frame
    if h == w:
        return side, side
    if h < w:
        return side, max(1, round(side * w / h))
    return max(1, round(side * h / w)), side


def area_pool(tokens: np.ndarray, grid: int | tuple[int, int]) -> np.ndarray:
    """Adaptive average pooling of a token map to a `grid` (side, or (rows, cols)).

    Args:
        tokens: (h, w, D) token map.
        grid: (rows, cols), or the shorter side of the output, the longer one keeping
            the map's aspect (`level_shape`).

    Returns:
        (gh, gw, D) float32, a new array (a copy even when the grid is unchanged).
    """
    h, w, _ = tokens.shape
    gh, gw = level_shape(grid, (h, w)) if isinstance(grid, int) else grid
    if (h, w) == (gh, gw):
        return np.array(tokens, dtype=np.float32, copy=True)
    x = tokens.astype(np.float64, copy=False)
    rows = np.tensordot(pool_matrix(h, gh), x, axes=(1, 0))  # (gh, w, D)
    both = np.tensordot(pool_matrix(w, gw), rows, axes=(1, 1))  # (gw, gh, D)
    return np.ascontiguousarray(both.transpose(1, 0, 2), dtype=np.float32)


def unit(v: np.ndarray) -> np.ndarray:
    """`v` scaled to unit L2 norm (zeros stay zeros). (D,) -> (D,) float32."""
    v = np.asarray(v, dtype=np.float64)
    n = float(np.linalg.norm(v))
    return (v / n if n > 0 else v).astype(np.float32)


def mean_token(tokens: np.ndarray) -> np.ndarray:
    """Mean over the grid: (h, w, D) -> (D,) float64."""
    mean: np.ndarray = np.asarray(tokens, dtype=np.float64).mean(axis=(0, 1))
    return mean


def adjacent_cosines(maps: list[np.ndarray]) -> np.ndarray:
    """Cosine similarity of the mean-pooled tokens of each neighbouring pair.

    Args:
        maps: n token maps, each (h, w, D).

    Returns:
        (n - 1,) float64: entry i compares maps[i] with maps[i + 1].
    """
    means = np.stack([mean_token(m) for m in maps])  # (n, D)
    norms = np.linalg.norm(means, axis=1)
    norms[norms == 0] = 1.0
    means /= norms[:, None]
    cosines: np.ndarray = np.einsum("nd,nd->n", means[:-1], means[1:])
    return cosines


def frozen(a: np.ndarray) -> np.ndarray:
    """Mark an array read-only (memory hands out held arrays, never mutates them)."""
    a.flags.writeable = False
    return a
