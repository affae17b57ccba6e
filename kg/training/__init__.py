"""Training: kg's NER pipeline trained, fine-tuned, evaluated (never imported at run time)."""
