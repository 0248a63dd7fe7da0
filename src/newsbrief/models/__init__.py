"""Finding and loading models: a hub id, a folder or a GGUF file resolved one way (resolve.py),
and the engines that run them (backends/: transformers, CTranslate2, chat models).

May import: errors.
"""
