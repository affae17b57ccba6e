"""Concepts: linking mentions to vocabulary entries and the concept table."""
