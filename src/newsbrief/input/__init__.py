"""Everything that enters a run, through one gate: the input folder's entries that are sources
(discovery.py: links out of the folder, special files and output folders passed over), every
source's bytes read within the same limits (gate.py: regular files only, `max_file_mb`, a feed
URL's timeout), feeds' entries staged as articles (feeds.py), each read by its format's reader
(readers/) into an Article, and the slug its id is made from (ids.py; the id itself is the
output folder's to give: output/folder.allocate_id).

May import: text, article, errors, limits.
"""
