"""Node positions computed in Python, so the browser draws a big graph at once (physics off).

:func:`layout_positions`: a seeded, grid-accelerated Fruchterman-Reingold layout per connected
component, the components packed in rows.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx

__all__ = ["layout_positions", "community_layout", "SPACING"]

#: Pixels per unit of :func:`layout_positions` (the layout's ideal edge length is 1).
SPACING = 100.0


def layout_positions(
    G: nx.Graph, *, seed: int = 0, iterations: int | None = None
) -> dict[Any, tuple[float, float]]:
    """Node -> (x, y): each connected component by :func:`_force_layout`, components packed in rows.

    Laid out together, disconnected components drift apart and the page opens zoomed out
    so far that vis-network hides every label; packed side by side (largest first, rows of
    about the square root of the total area), the first view is readable. Nodes without
    edges sit in a compact grid below the rest. Deterministic for a given ``seed``.
    """
    # in a fixed order: a subgraph view (community_layout's rest) iterates in set order, which changes with
    # Python's hash seed, and the grid of nodes without edges follows this order
    order = sorted(G, key=str)
    nodes = [v for v in order if G.degree(v) > 0 and not (G.degree(v) == 1 and G.has_edge(v, v))]
    connected = set(nodes)
    isolated = [v for v in order if v not in connected]
    comps = sorted((sorted(c, key=str) for c in nx.connected_components(G.subgraph(nodes))), key=lambda c: (-len(c), str(c[0])))
    pos: dict[Any, tuple[float, float]] = {}
    boxes = []
    for comp in comps:
        sub = _force_layout(G.subgraph(comp), seed=seed, iterations=iterations)
        xs, ys = [p[0] for p in sub.values()], [p[1] for p in sub.values()]
        boxes.append((sub, min(xs), min(ys), max(xs) - min(xs) + 1.5, max(ys) - min(ys) + 1.5))
    row_width = math.sqrt(sum(w * h for *_, w, h in boxes)) * 1.4 if boxes else 0.0
    x = y = row_h = 0.0
    for sub, x0, y0, w, h in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_h = 0.0, y + row_h, 0.0
        for v, (px, py) in sub.items():
            pos[v] = (px - x0 + x, py - y0 + y)
        x, row_h = x + w, max(row_h, h)
    if isolated:
        cols = max(1, int(math.ceil(math.sqrt(len(isolated) * 3))))
        top = y + row_h + (0.5 if pos else 0.0)
        for k, v in enumerate(isolated):
            pos[v] = ((k % cols) * 1.0, top + (k // cols) * 0.8)
    if pos:
        cx = sum(p[0] for p in pos.values()) / len(pos)
        cy = sum(p[1] for p in pos.values()) / len(pos)
        pos = {v: (p[0] - cx, p[1] - cy) for v, p in pos.items()}
    return pos


def community_layout(
    G: nx.Graph, groups: list[tuple[Any, ...]], *, seed: int = 0
) -> dict[Any, tuple[float, float]]:
    """Node -> (x, y) with each community of ``groups`` laid out on its own and the communities
    placed as discs by a force layout of the graph of communities (edges: how many edges
    join them), overlaps pushed apart; nodes of no community (small components, nodes without
    edges) by :func:`layout_positions`, below. One force layout of a whole big graph draws
    its communities on top of each other; this keeps each one a visible group.
    """
    member = {n: k for k, g in enumerate(groups) for n in g}
    local, radius = [], []
    for g in groups:
        sub = _force_layout(G.subgraph(g), seed=seed)
        local.append(sub)
        dist = sorted(math.hypot(x, y) for x, y in sub.values())
        radius.append(max(1.0, dist[int(0.7 * (len(dist) - 1))]) + 0.6)  # the core: outliers may overlap
    C = nx.Graph()
    C.add_nodes_from(range(len(groups)))
    for u, v in G.edges():
        a, b = member.get(u), member.get(v)
        if a is not None and b is not None and a != b:
            C.add_edge(a, b, weight=C.get_edge_data(a, b, {"weight": 0})["weight"] + 1)
    import numpy as np

    k = len(groups)
    if k == 1:
        centres = np.zeros((1, 2))
    else:
        p = nx.spring_layout(C, weight="weight", seed=seed, iterations=100)
        centres = np.array([p[i] for i in range(k)]) * max(radius)  # then pushed apart until they touch
    r = np.array(radius)
    for _ in range(500):  # push overlapping discs apart
        d = centres[:, None, :] - centres[None, :, :]
        dist = np.sqrt((d ** 2).sum(-1)) + np.eye(k)
        overlap = np.maximum(0.0, r[:, None] + r[None, :] - dist)
        np.fill_diagonal(overlap, 0.0)
        if overlap.max() < 1e-3:
            break
        centres += (d / dist[..., None] * overlap[..., None] / 2).sum(1)
    pos: dict[Any, tuple[float, float]] = {}
    for (cx, cy), sub in zip(centres, local, strict=True):
        for v, (x, y) in sub.items():
            pos[v] = (float(cx) + x, float(cy) + y)
    rest = [n for n in G if n not in member]
    if rest and pos:
        bottom = max(y for _, y in pos.values()) + 1.5
        left = min(x for x, _ in pos.values())
        extra = layout_positions(G.subgraph(rest), seed=seed)
        x0 = min(x for x, _ in extra.values())
        y0 = min(y for _, y in extra.values())
        pos.update({v: (x - x0 + left, y - y0 + bottom) for v, (x, y) in extra.items()})
    elif rest:
        pos = layout_positions(G.subgraph(rest), seed=seed)
    if pos:
        mx = sum(p[0] for p in pos.values()) / len(pos)
        my = sum(p[1] for p in pos.values()) / len(pos)
        pos = {v: (p[0] - mx, p[1] - my) for v, p in pos.items()}
    return pos


def _force_layout(
    G: nx.Graph, *, seed: int = 0, iterations: int | None = None
) -> dict[Any, tuple[float, float]]:
    """Node -> (x, y) by Fruchterman-Reingold, fast enough for a few thousand nodes.

    Attraction runs along edges; repulsion is exact between nodes closer than one grid
    cell (found with a k-d tree) and approximated by cell centroids beyond, so one
    iteration costs about O(n^1.5) instead of O(n^2); a weak gravity keeps the nodes
    together. Deterministic for a given ``seed``. The ideal edge length is 1.
    """
    import numpy as np

    # A fixed order of nodes and edges (subgraph views iterate in set order, which changes
    # with Python's hash seed): the same graph gets the same picture in every run.
    nodes = sorted(G, key=str)
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    index = {v: i for i, v in enumerate(nodes)}
    e = np.array(sorted((min(index[u], index[v]), max(index[u], index[v])) for u, v in G.edges() if u != v),
                 dtype=np.int64).reshape(-1, 2)
    rng = np.random.default_rng(seed)
    side = math.sqrt(n)
    pos = rng.uniform(-side / 2, side / 2, (n, 2))
    if iterations is None:
        iterations = 150 if n <= 500 else 100 if n <= 2000 else max(40, int(2e5 / n))
    temperature = side / 8
    cooling = temperature / (iterations + 1)
    gravity = 0.02
    grid = int(np.clip(round(1.2 * (math.pi * n) ** 0.25), 3, 40))
    for _ in range(iterations):
        dx = np.zeros(n)
        dy = np.zeros(n)
        if len(e):  # attraction d^2/k along edges
            ex = pos[e[:, 0], 0] - pos[e[:, 1], 0]
            ey = pos[e[:, 0], 1] - pos[e[:, 1], 1]
            d = np.sqrt(ex * ex + ey * ey)
            fx, fy = d * ex, d * ey
            dx += np.bincount(e[:, 1], fx, n) - np.bincount(e[:, 0], fx, n)
            dy += np.bincount(e[:, 1], fy, n) - np.bincount(e[:, 0], fy, n)
        if n <= 500:  # exact repulsion k^2/d
            rx = pos[:, 0, None] - pos[None, :, 0]
            ry = pos[:, 1, None] - pos[None, :, 1]
            d2 = rx * rx + ry * ry
            np.fill_diagonal(d2, np.inf)
            w = 1.0 / np.maximum(d2, 1e-6)
            dx += (w * rx).sum(1)
            dy += (w * ry).sum(1)
        else:
            dx_r, dy_r = _grid_repulsion(pos, grid)
            dx += dx_r
            dy += dy_r
        r = np.sqrt(pos[:, 0] ** 2 + pos[:, 1] ** 2)
        dx -= gravity * pos[:, 0] * r
        dy -= gravity * pos[:, 1] * r
        length = np.sqrt(dx * dx + dy * dy) + 1e-9
        step = np.minimum(length, temperature) / length
        pos[:, 0] += dx * step
        pos[:, 1] += dy * step
        temperature -= cooling
    pos -= pos.mean(0)
    return {v: (float(pos[i, 0]), float(pos[i, 1])) for i, v in enumerate(nodes)}


def _grid_repulsion(pos: Any, grid: int) -> tuple[Any, Any]:
    import numpy as np
    from scipy.spatial import cKDTree

    n = len(pos)
    dx = np.zeros(n)
    dy = np.zeros(n)
    lo = pos.min(0)
    cell_size = max(float((pos.max(0) - lo).max()) / grid, 1e-9)
    cell = np.minimum(((pos - lo) / cell_size).astype(np.int64), grid - 1)
    cid = cell[:, 0] * grid + cell[:, 1]
    pairs = cKDTree(pos).query_pairs(cell_size, output_type="ndarray")
    if len(pairs):
        a, b = pairs[:, 0], pairs[:, 1]
        rx = pos[a, 0] - pos[b, 0]
        ry = pos[a, 1] - pos[b, 1]
        w = 1.0 / np.maximum(rx * rx + ry * ry, 1e-6)
        fx, fy = w * rx, w * ry
        dx += np.bincount(a, fx, n) - np.bincount(b, fx, n)
        dy += np.bincount(a, fy, n) - np.bincount(b, fy, n)
    mass = np.bincount(cid, minlength=grid * grid).astype(float)
    occupied = np.flatnonzero(mass)
    m = mass[occupied]
    cx = np.bincount(cid, pos[:, 0], grid * grid)[occupied] / m
    cy = np.bincount(cid, pos[:, 1], grid * grid)[occupied] / m
    rx = pos[:, 0, None] - cx[None, :]
    ry = pos[:, 1, None] - cy[None, :]
    w = m[None, :] / np.maximum(rx * rx + ry * ry, 1e-6)
    w[cid[:, None] == occupied[None, :]] = 0.0  # own cell: handled exactly above
    dx += (w * rx).sum(1)
    dy += (w * ry).sum(1)
    return dx, dy
