"""One batch over a folder (batch.py, its shared state in batch_run.py): each input file taken in
(intake.py: read, passed over when up to date, segmented, planned), chunks of articles through
the models here or on a Ray cluster (ray_engine.py), each draft finished (finish.py) with its
configuration hash (config_hash.py) and written, each file's outcome and the run's exit code
(outcomes.py); a stop (stopping.py) keeps the translation in flight (checkpoint.py).

May import: everything but cli.
"""
