"""What text says, without models: its language (language.py), its sentences (segmenting.py),
its figures (figures.py) and quotes (quotes.py), found once as spans (spans.py).

May import: article, errors.
"""
