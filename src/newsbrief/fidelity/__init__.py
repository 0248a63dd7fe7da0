"""The verbatim promise: what can be wrong with a model's output (output_checks.py), what is done
about it (guard.py: figure forms, beam candidates, quote modes), the glossary (glossary.py),
where a summary's sentences come from (provenance.py), and the per-article fidelity record
(verify.py), which `newsbrief run` and `newsbrief check` both compute.

May import: text, article, errors.
"""
