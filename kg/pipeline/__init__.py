"""Pipeline: the NER pass, the mention store and the forked writers behind kg.build."""
