"""What the models write: the plan of an article (plan.py), the run's models (model_pool.py),
translation pooled across articles (translation.py; its jobs and batches: translation_jobs.py),
summaries (summaries.py), instruction models and their prompts (instruct.py, prompts.py), and
the model work of one chunk (chunk_work.py).

May import: settings, models, fidelity, text, article, errors, limits, progress.
"""
