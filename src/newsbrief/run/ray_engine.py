"""Engine ray: chunks translated and summarised by a pool of Ray actors, each loading the models
once; this process still reads, verifies and writes everything, so the SQLite manifest has one
writer and the outputs are those of a local run.

Ray actors rather than Ray Data: a chunk is already the unit of work (its batches decide every
bit of its outputs), an actor keeps its models between chunks, and a dead actor's chunk is
simply given to a fresh one. Ray is an optional extra, imported only here.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from newsbrief.generation.chunk_work import ArticleFailure, ArticleWork, ChunkWork, Finished, process_chunk
from newsbrief.generation.model_pool import ModelPool
from newsbrief.run.preflight import import_ray, prepare
from newsbrief.settings.groups import Settings
from newsbrief.settings.sources import apply_options

MAX_TRIES = 3  # a chunk whose worker dies this many times fails its articles


class ChunkWorker:
    """One actor: loads the models once, then processes chunk after chunk."""

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("TQDM_DISABLE", "1")
        self.settings = settings
        prepared = prepare(settings)  # on the worker's machine: its prompts, glossary, detector
        self.pool = ModelPool(settings, prepared.prompts)
        self.checks = prepared.output_checks()

    def pid(self) -> int:
        return os.getpid()

    def process(self, chunk: list[ArticleWork]) -> ChunkWork:
        return process_chunk(chunk, self.pool, self.settings, self.checks)


@dataclass
class InFlight:
    number: int
    chunk: list[ArticleWork]
    actor: int  # index into RayChunks.actors
    tries: int


class RayChunks:
    """As many chunks in flight as there are actors; Ray starts on the first chunk, so a run with
    nothing new starts nothing."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ray: Any = None
        self.actors: list[Any] = []
        self.idle: list[int] = []
        self.in_flight: dict[Any, InFlight] = {}
        self._done: list[Finished] = []

    def _start(self) -> None:
        ray = self.ray = import_ray()
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no phoning home from cron
        if not ray.is_initialized():
            ray.init(
                address=self.settings.control.ray_address or None,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
        resources = ray.cluster_resources()
        gpus, cpus = int(resources.get("GPU", 0)), max(1, int(resources.get("CPU", 1)))
        count = self.settings.control.ray_actors or gpus or max(1, cpus // 2)
        threads = self.settings.control.threads or max(1, cpus // count)
        self.worker_settings = apply_options(self.settings, threads=threads, device="cuda" if gpus else "cpu")
        self.worker = ray.remote(num_cpus=threads, num_gpus=1 if gpus else 0, max_restarts=0)(ChunkWorker)
        self.actors = [self._new_actor() for _ in range(count)]
        self.idle = list(range(count))

    def _new_actor(self) -> Any:
        return self.worker.remote(self.worker_settings)

    def submit(self, number: int, chunk: list[ArticleWork]) -> None:
        if self.ray is None:
            self._start()
        while not self.idle:
            self._collect(wait_for_one=True)
        self._send(InFlight(number, chunk, self.idle.pop(0), tries=1))

    def _send(self, job: InFlight) -> None:
        future = self.actors[job.actor].process.remote(job.chunk)
        self.in_flight[future] = job

    def finished(self, wait: bool) -> list[Finished]:
        if self.ray is not None:
            self._collect(wait_for_one=False)
            while wait and self.in_flight:
                self._collect(wait_for_one=True)
        done, self._done = self._done, []
        return done

    def _collect(self, wait_for_one: bool) -> None:
        ray = self.ray
        futures = list(self.in_flight)
        if not futures:
            return
        if wait_for_one:
            ready, _ = ray.wait(futures, num_returns=1)
        else:
            ready, _ = ray.wait(futures, num_returns=len(futures), timeout=0)
        for future in ready:
            job = self.in_flight.pop(future)
            try:
                work = ray.get(future)
            except ray.exceptions.RayTaskError as error:  # the work itself raised: as if local
                raise error.as_instanceof_cause() from None
            except ray.exceptions.RayError as error:  # the actor died: its chunk goes to a new one
                self._replace(job, error)
                continue
            self.idle.append(job.actor)
            self._done.append((job.number, job.chunk, work))

    def _replace(self, job: InFlight, error: Exception) -> None:
        self.actors[job.actor] = self._new_actor()
        if job.tries < MAX_TRIES:
            self._send(InFlight(job.number, job.chunk, job.actor, job.tries + 1))
            return
        reason = f"its Ray worker died {MAX_TRIES} times (out of memory?): {type(error).__name__}"
        failures = [ArticleFailure(item.article_id, reason, item.timings) for item in job.chunk]
        failed = ChunkWork(failures=failures)
        self.idle.append(job.actor)
        self._done.append((job.number, job.chunk, failed))

    def close(self) -> None:
        if self.ray is not None and self.ray.is_initialized():
            for actor in self.actors:
                self.ray.kill(actor)
            if not self.settings.control.ray_address:
                self.ray.shutdown()
