"""Render: the interactive HTML page (select, layout, page and its assets)."""

#: Most nodes and edges the page draws unless told otherwise (exports keep every one).
MAX_NODES = 2000
MAX_EDGES = 10_000
