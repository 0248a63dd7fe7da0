"""Everything that enters a run: files found in the input folder (discovery.py), feeds
(feeds.py), each read by its format's reader (readers/) into an Article, and the id each gets
(ids.py).

May import: text, article, errors, limits.
"""
