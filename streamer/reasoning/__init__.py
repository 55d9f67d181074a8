"""Answering questions about the stream: understanding, evidence, backends, the worker."""
