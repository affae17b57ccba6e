"""Vocabularies: the term tables, text normalisation, the on-disk cache and the offline builders."""
