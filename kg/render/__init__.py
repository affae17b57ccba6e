"""Render: the interactive HTML page (select, layout, page and its assets)."""
