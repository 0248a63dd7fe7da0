"""A chunk's finished translation batches, kept in the manifest while the chunk is open.

A stop (SIGTERM, Ctrl-C) finishes the batches in flight and ends the run; the chunk stays open,
and the next run redoes it with the same articles in the same order, so the same batches. The
batches kept here are taken as they are, and only the others go to the models: the stopped
run's translation is not lost, and the files are byte for byte an uninterrupted run's. A batch
is known by its jobs and by the configuration hashes of the chunk's articles, so a model or
setting changed in between translates it again. The rows go when the chunk is closed.
"""

from __future__ import annotations

import hashlib

from newsbrief.generation.translation_jobs import Batch, PooledResult, batch_identity
from newsbrief.output.manifest import Manifest


class ChunkCheckpoint:
    def __init__(self, manifest: Manifest, chunk: int, config_hashes: list[str]) -> None:
        self.manifest = manifest
        self.chunk = chunk
        self.context = hashlib.sha256(" ".join(sorted(set(config_hashes))).encode()).hexdigest()
        self.kept = {key: PooledResult.from_json(part) for key, part in manifest.kept_batches(chunk).items()}

    def identity(self, batch: Batch) -> str:
        return batch_identity(batch, self.context)

    def keep(self, identity: str, part: PooledResult) -> None:
        self.manifest.keep_batch(self.chunk, identity, part.to_json())
