"""Training: kg's NER pipeline and relation model trained, fine-tuned and evaluated (run by the ``kg train``
commands; never imported at run time)."""
