"""The output folder: every name it holds, the article ids (never one of those names) and an
article's files (folder.py: the one module that spells them), written atomically (atomic.py),
article.json (article_json.py), documents in the source's format (documents.py), the ledger
(manifest.py: an index of the article folders, rebuilt from them when lost), the lock
(lock.py), review pages (review.py, their highlighting in review_marks.py), TMX (tmx.py), and
what reads a folder back (recheck.py for `newsbrief check`, status.py for `newsbrief status`).

May import: generation, settings, models, fidelity, input (readers, ids), text, article, errors.
"""
