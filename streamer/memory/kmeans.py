"""Weighted k-means, one point at a time: the temporal memory of STAR keeps K clusters.

When all K slots are occupied and a frame arrives, there are K + 1 weighted
points (the K centroids, weighted by their cluster sizes, and the frame,
weight 1) for K clusters. The step that loses least is to merge the pair of
points with the smallest weighted (Ward) cost

    w_i * w_j / (w_i + w_j) * |c_i - c_j|^2,

which is the increase of the within-cluster sum of squares. Usually that pair
is the frame and its nearest centroid; when the frame is a new scene, two
old slots of the same scene merge instead and the frame keeps a slot of its
own. A few weighted Lloyd iterations over the K + 1 points, starting from
that assignment (old centroids as initialisation), then let points move to a
nearer centroid. Slot identity is kept throughout: cluster c is slot c, so a
scene that recurs lands in the slot that already holds it.

The squared distances between slot centroids are cached by the caller and
updated row by row, and every distance is an elementwise sum rather than a
matrix product: a small BLAS product pays for waking BLAS threads (5 ms for
26 x 5120 on two busy cores, against 0.2 ms for the rows that changed).
"""

from __future__ import annotations

import numpy as np


def sq_dist_to(points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Squared Euclidean distance of each row of `points` (n, P) to `x` (P,): (n,) float64."""
    d = points - x
    squared: np.ndarray = np.einsum("np,np->n", d, d, dtype=np.float64)
    return squared


def pairwise_sq(points: np.ndarray) -> np.ndarray:
    """All squared distances among `points` (n, P): (n, n) float64, symmetric, zero diagonal."""
    n = len(points)
    d2 = np.zeros((n, n), dtype=np.float64)
    for i in range(n):
        d2[i] = d2[:, i] = sq_dist_to(points, points[i])
    return d2


def bordered(d2: np.ndarray, points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Distances among `points` (n, P) plus `x` (P,) as point n: (n + 1, n + 1)."""
    n = len(points)
    out = np.zeros((n + 1, n + 1), dtype=np.float64)
    out[:n, :n] = d2
    out[n, :n] = out[:n, n] = sq_dist_to(points, x)
    return out


def cheapest_merge(d2: np.ndarray, weights: np.ndarray) -> tuple[int, int]:
    """The pair (i < j) whose merge raises the weighted sum of squares least.

    Args:
        d2: (n, n) squared distances among the points.
        weights: (n,) their weights (> 0).
    """
    w = weights.astype(np.float64)
    cost = (w[:, None] * w[None, :]) / (w[:, None] + w[None, :]) * d2
    cost[np.tril_indices(len(w))] = np.inf  # only i < j
    i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)
    return int(i), int(j)


def absorb_point(points: np.ndarray, weights: np.ndarray, d2: np.ndarray, iters: int) -> np.ndarray:
    """Labels of K + 1 weighted points in K clusters: K old centroids, then the new point.

    Args:
        points: (K + 1, P); rows 0..K-1 are the centroids of slots 0..K-1, row K the new point.
        weights: (K + 1,) cluster sizes, then the new point's weight.
        d2: (K + 1, K + 1) squared distances among the points.
        iters: at most this many Lloyd iterations after the merge.

    Returns:
        (K + 1,) int labels in [0, K): label c means slot c. A slot Lloyd empties is free.
    """
    k = len(points) - 1
    labels = np.arange(k + 1)
    i, j = cheapest_merge(d2, weights)
    if j == k:  # the new point joins slot i
        labels[k] = i
    else:  # slots i and j merge into i; the new point takes slot j
        labels[j] = i
        labels[k] = j
    return lloyd(points, weights, labels, d2, iters)


def lloyd(
    points: np.ndarray, weights: np.ndarray, labels: np.ndarray, d2: np.ndarray, iters: int
) -> np.ndarray:
    """Weighted Lloyd iterations from `labels` (n,); a point moves only to a strictly nearer slot.

    Returns:
        (n,) labels after at most `iters` iterations.
    """
    rows = np.arange(len(points))
    for _ in range(iters):
        d = cluster_sq_distances(points, weights, labels, d2, len(points) - 1)  # (n, k)
        current = d[rows, labels]
        best = np.argmin(d, axis=1)
        moved = d[rows, best] < current * (1 - 1e-9)
        if not moved.any():
            break
        labels = np.where(moved, best, labels)
    return labels


def cluster_sq_distances(
    points: np.ndarray, weights: np.ndarray, labels: np.ndarray, d2: np.ndarray, k: int
) -> np.ndarray:
    """Squared distance of every point to every cluster's weighted centroid: (n, k).

    A one-point cluster's centroid is that point (its column comes from `d2`);
    an empty cluster is infinitely far.
    """
    n = len(points)
    out = np.full((n, k), np.inf)
    counts = np.bincount(labels, minlength=k)  # (k,)
    first = np.zeros(k, dtype=np.int64)
    first[labels[::-1]] = np.arange(n)[::-1]  # a member of each cluster (the lowest index)
    single = np.flatnonzero(counts == 1)
    out[:, single] = d2[:, first[single]]
    for c in np.flatnonzero(counts > 1):
        members = np.flatnonzero(labels == c)
        out[:, c] = sq_dist_to(points, weighted_mean(points[members], weights[members]))
    return out


def weighted_mean(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(m, ...) points, (m,) weights -> (...) float64 weighted mean (elementwise, no BLAS)."""
    w = weights.astype(np.float64).reshape(-1, *([1] * (points.ndim - 1)))
    centre: np.ndarray = (points * w).sum(axis=0) / w.sum()
    return centre


def carried_over(d2: np.ndarray, sources: list[int | None], centroids: np.ndarray) -> np.ndarray:
    """Distances among the new slot centroids, reusing `d2` wherever a slot kept one point.

    Args:
        d2: (n, n) squared distances among the points before clustering.
        sources: per new slot, the index of its only point, or None if it merged several.
        centroids: (K, P) the new slot centroids.

    Returns:
        (K, K) squared distances; rows of merged slots are computed afresh.
    """
    kept = [c for c, s in enumerate(sources) if s is not None]
    src = [s for s in sources if s is not None]
    out = np.zeros((len(sources), len(sources)), dtype=np.float64)
    out[np.ix_(kept, kept)] = d2[np.ix_(src, src)]
    for c, s in enumerate(sources):
        if s is None:
            out[c] = out[:, c] = sq_dist_to(centroids, centroids[c])
    return out
