"""Export: the graph as files (GraphML, GEXF, JSON, CSV tables) and read back."""
