"""Graph: co-occurrence counting, association scores, generic terms and the networkx graph."""
