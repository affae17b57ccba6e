"""Pipeline: how a build runs, above the stages.

options (every option checked before any work), steps (read -> annotate -> edges -> graph, with
their state in named objects), ner_pass (NER over a corpus: in process, worker processes or
Dask), store (the mention store that makes rebuilds incremental), forked (the output writers
in forked processes).
"""
