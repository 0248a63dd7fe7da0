"""What the tests share, in one place: the paths of the corpus and the checkout (paths.py), the
tiny models and the trained ones and how a test run builds and waits for them (models.py), the
trainer and every answer its models must know (trainer.py, known_answers.py), and helpers that
start runs and read what they wrote (runs.py). Test files import from here, never from each
other or from conftest."""
