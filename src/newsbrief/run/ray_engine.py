"""Engine ray: chunks translated and summarised by a pool of Ray actors, each loading the models
once; this process still reads, verifies and writes everything, so the SQLite manifest has one
writer and the outputs are those of a local run.

Ray actors rather than Ray Data: a chunk is already the unit of work (its batches decide every
bit of its outputs), an actor keeps its models between chunks, and a lost actor's chunk is
simply given to another. Ray is an optional extra, imported only here.

A cluster is not trusted to stay whole (docs/DESIGN.md, "On a Ray cluster"):
- actors are sized from the nodes there are (never more CPUs than the largest node has), and a
  cluster that can place none within `ray_timeout` is one line and exit 8;
- an address with nothing listening is one line and exit 8 within `ray_timeout`;
- a chunk whose actor died (its node lost) goes to a live actor, else to new actors where the
  cluster can place them, else, as a last resort, is processed here, in the driver;
- each chunk is written as it comes back, never held behind a slower one;
- a cluster lost under the run (its head gone) ends it with exit 8 and the work done recorded;
- the run's SIGINT/SIGTERM handlers are put back after Ray installs its own, and the wait for a
  chunk looks at the stop request, so a signal stops a Ray run as it stops a local one;
- Ray's own output (its C++ core, the processes it starts) goes to stderr, never into a JSON
  log on stdout.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from newsbrief.errors import ClusterUnavailable, ExitCode
from newsbrief.generation.chunk_work import (
    ArticleFailure,
    ArticleWork,
    ChunkOptions,
    ChunkWork,
    Finished,
    process_chunk,
)
from newsbrief.generation.model_pool import ModelOptions, ModelPool
from newsbrief.run.preflight import import_ray, prepare
from newsbrief.run.stopping import SIGNALS
from newsbrief.settings.groups import Settings
from newsbrief.settings.sources import apply_options

MAX_TRIES = 3  # a chunk whose worker dies this many times fails its articles
POLL_SECONDS = 0.5  # how often a wait for a chunk looks at the stop request


class ChunkWorker:
    """One actor: loads the models once, then processes chunk after chunk."""

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("TQDM_DISABLE", "1")
        self.options = ChunkOptions.of(settings)
        prepared = prepare(settings)  # on the worker's machine: its prompts, glossary, detector
        self.pool = ModelPool(ModelOptions.of(settings), prepared.prompts)
        self.checks = prepared.output_checks()

    def pid(self) -> int:
        return os.getpid()

    def process(self, chunk: list[ArticleWork]) -> ChunkWork:
        return process_chunk(chunk, self.pool, self.options, self.checks)


@dataclass
class InFlight:
    number: int
    chunk: list[ArticleWork]
    tries: int
    actor: int = -1  # index into RayChunks.actors, once sent


@dataclass(frozen=True)
class Sizing:
    """How many actors, of how many CPUs each, for the cluster's nodes as they are."""

    actors: int
    cpus: int
    gpus: int
    node_cpus: tuple[int, ...]  # each live node's CPUs, for the message when nothing fits

    def describe(self) -> str:
        asked = f"asked {self.actors} actor(s) of {self.cpus} CPU(s) each"
        if not self.node_cpus:
            return f"{asked}; the cluster has no live node with a CPU"
        nodes = ", ".join(str(cpus) for cpus in self.node_cpus)
        return f"{asked}; the cluster's live nodes have {nodes} CPU(s), all taken"


def size_actors(settings: Settings, node_cpus: list[int], gpus: int) -> Sizing:
    """One actor per GPU; else `ray_actors` (0: one per two CPUs of each node), each of `threads`
    CPUs (0: two, or what the node has), never more CPUs than the largest node offers: an
    actor no node can hold waits for ever."""
    largest = max(node_cpus, default=1) or 1
    control = settings.control
    if control.threads:
        cpus = min(control.threads, largest)
    elif control.ray_actors:
        cpus = max(1, min(largest, sum(node_cpus) // control.ray_actors))
    else:
        cpus = min(2, largest)
    fits = sum(node // cpus for node in node_cpus)
    actors = control.ray_actors or gpus or max(1, fits)
    return Sizing(actors, cpus, gpus, tuple(node_cpus))


class StdoutToStderr:
    """fd 1 and sys.stdout point at stderr while Ray lives in this process: Ray's C++ core and
    the processes it starts print their own lines (`(raylet) …`, `[state-dump] …`) to fd 1, and
    a JSON log on stdout must hold newsbrief's lines only (the JSON reporter writes to its own
    copy of the original stdout: cli/reporters.py)."""

    def __init__(self) -> None:
        self.saved_fd: int | None = None
        self.saved_stdout: Any = None

    def enter(self) -> None:
        sys.stdout.flush()
        try:
            self.saved_fd = os.dup(1)
            os.dup2(2, 1)
        except OSError:
            self.saved_fd = None
        self.saved_stdout, sys.stdout = sys.stdout, sys.stderr

    def leave(self) -> None:
        if self.saved_stdout is None:
            return
        sys.stdout.flush()
        sys.stdout, self.saved_stdout = self.saved_stdout, None
        if self.saved_fd is not None:
            os.dup2(self.saved_fd, 1)
            os.close(self.saved_fd)
            self.saved_fd = None


class RayChunks:
    """As many chunks in flight as there are live actors; Ray starts on the first chunk, so a
    run with nothing new starts nothing. `run_here` processes a chunk in this process (the last
    resort for a chunk no actor can take); `should_stop` is the run's stop request."""

    def __init__(
        self,
        settings: Settings,
        should_stop: Callable[[], bool] = lambda: False,
        run_here: Callable[[list[ArticleWork]], ChunkWork] | None = None,
    ) -> None:
        self.settings = settings
        self.should_stop = should_stop
        self.run_here = run_here
        self.ray: Any = None
        self.actors: list[Any] = []
        self.idle: list[int] = []
        self.queue: list[InFlight] = []  # chunks waiting for an actor
        self.in_flight: dict[Any, InFlight] = {}
        self.pending: dict[Any, Any] = {}  # an actor not yet placed, by its pid() call
        self._done: list[Finished] = []
        self.stdout = StdoutToStderr()
        self.address = settings.control.ray_address
        self.where = f"the Ray cluster at {self.address}" if self.address else "Ray on this machine"
        self.head_lost = False

    # Starting: the cluster joined, the actors sized and placed.

    def _start(self) -> None:
        ray = self.ray = import_ray()
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no phoning home from cron
        timeout = self.settings.control.ray_timeout
        if self.address:
            reachable(self.address, timeout)
        self.stdout.enter()
        handlers = {number: signal.getsignal(number) for number in SIGNALS}
        try:
            if not ray.is_initialized():
                ray.init(
                    address=self.address or "local",  # "": a Ray of its own, never one found running
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.ERROR,
                )
            sizing = self._sizing()
        except Exception as error:  # Ray's own errors: ConnectionError, RuntimeError, RaySystemError…
            raise ClusterUnavailable(f"cannot join {self.where}: {type(error).__name__}: {error}") from error
        finally:
            _restore(handlers)  # Ray installs its own handlers; the run's stop must keep working
        threads = sizing.cpus
        self.worker_settings = apply_options(
            self.settings, threads=threads, device="cuda" if sizing.gpus else "cpu"
        )
        self.worker = ray.remote(num_cpus=threads, num_gpus=1 if sizing.gpus else 0, max_restarts=0)(
            ChunkWorker
        )
        self.sizing = sizing
        if not self._add_actors(sizing.actors):
            raise ClusterUnavailable(
                f"{self.where} could place no worker within {timeout:g} s (ray_timeout): {sizing.describe()}"
            )

    def _sizing(self) -> Sizing:
        ray = self.ray
        nodes = [node for node in ray.nodes() if node.get("Alive")]
        node_cpus = [int(node.get("Resources", {}).get("CPU", 0)) for node in nodes]
        gpus = int(ray.cluster_resources().get("GPU", 0))
        return size_actors(self.settings, [cpus for cpus in node_cpus if cpus > 0], gpus)

    def _add_actors(self, count: int) -> int:
        """Start `count` actors; wait (at most `ray_timeout`) until the cluster has placed one,
        and keep the others pending: each joins the pool when it is placed (a node that is still
        starting, or one the cluster has not yet found dead, must not hold the run). How many
        were placed by then."""
        ray = self.ray
        for _ in range(count):
            actor = self.worker.remote(self.worker_settings)
            self.pending[actor.pid.remote()] = actor
        placed, _ = ray.wait(list(self.pending), num_returns=1, timeout=self.settings.control.ray_timeout)
        return len(placed) and self._take_placed()

    def _take_placed(self) -> int:
        """Pending actors the cluster has placed since, into the pool; how many."""
        if not self.pending:
            return 0
        ray = self.ray
        answered, _ = self._call(ray.wait, list(self.pending), num_returns=len(self.pending), timeout=0)
        placed = 0
        for probe in answered:
            actor = self.pending.pop(probe)
            try:
                self._call(ray.get, probe)
            except ray.exceptions.RayError:  # died before its first call (its node lost)
                _kill(ray, actor)
                continue
            self.actors.append(actor)
            self.idle.append(len(self.actors) - 1)
            placed += 1
        return placed

    # Work: chunks sent to idle actors, collected as they finish.

    def submit(self, number: int, chunk: list[ArticleWork]) -> None:
        if self.ray is None:
            self._start()
        self.queue.append(InFlight(number, chunk, tries=1))
        self._dispatch()
        while self.queue and not self.should_stop():
            self._collect(wait_for_one=True)
            self._dispatch()

    def finished(self, wait: bool) -> list[Finished]:
        if self.ray is not None:
            self._dispatch()
            self._collect(wait_for_one=False)
            if wait and not self._done and self.in_flight:
                self._collect(wait_for_one=True)
            self._dispatch()
        done, self._done = self._done, []
        return done

    def busy(self) -> bool:
        return bool(self.in_flight or self.queue)

    def _dispatch(self) -> None:
        if self.queue and not self.idle:
            self._take_placed()
        while self.queue and self.idle:
            job = self.queue.pop(0)
            job.actor = self.idle.pop(0)
            self.in_flight[self._call(self.actors[job.actor].process.remote, job.chunk)] = job

    def _collect(self, wait_for_one: bool) -> None:
        ray = self.ray
        futures = list(self.in_flight)
        ready: list[Any] = []
        while futures and not ready:
            timeout = POLL_SECONDS if wait_for_one else 0
            count = 1 if wait_for_one else len(futures)
            ready, _ = self._call(ray.wait, futures, num_returns=count, timeout=timeout)
            if not wait_for_one or self.should_stop():
                break
        for future in ready:
            job = self.in_flight.pop(future)
            try:
                work = self._call(ray.get, future)
            except ray.exceptions.RayTaskError as error:  # the work itself raised: as if local
                raise error.as_instanceof_cause() from None
            except ray.exceptions.RayError as error:  # the actor died: its chunk goes to another
                self._lost(job, error)
                continue
            self.idle.append(job.actor)
            self._done.append((job.number, job.chunk, work))

    def _call(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A call to Ray; the cluster itself gone (its head lost: a broken connection, a GCS that
        no longer answers) ends the run with exit 8, the work done so far kept."""
        ray = self.ray
        try:
            return call(*args, **kwargs)
        except (ray.exceptions.RayTaskError, ray.exceptions.RayActorError, ray.exceptions.ObjectLostError):
            raise
        except (
            ray.exceptions.RaySystemError,
            ray.exceptions.GetTimeoutError,
            ConnectionError,
            OSError,
        ) as error:
            raise ClusterUnavailable(
                f"{self.where} was lost ({type(error).__name__}: {_first_line(error)})"
            ) from error

    def _lost(self, job: InFlight, error: Exception) -> None:
        """A chunk whose actor died: to a live actor, else new actors, else this process. An
        actor lost with the cluster's head ends the run (exit 8): without its head a cluster can
        place nothing, and every call to it would wait, then end this process without a word."""
        if not self._head_answers():
            self.head_lost = True
            raise ClusterUnavailable(f"{self.where} lost its head (nothing answers there any more)")
        _kill(self.ray, self.actors[job.actor])
        if job.tries >= MAX_TRIES:
            reason = f"its Ray worker died {MAX_TRIES} times (out of memory?): {type(error).__name__}"
            failures = [ArticleFailure(item.article_id, reason, item.timings) for item in job.chunk]
            self._done.append((job.number, job.chunk, ChunkWork(failures=failures)))
        else:
            self.queue.insert(0, InFlight(job.number, job.chunk, job.tries + 1))
        live = len(self.idle) + len(self.in_flight)
        if live == 0 and self.queue and not self._add_actors(self.sizing.actors):
            self._run_queue_here()

    def _run_queue_here(self) -> None:
        """No actor left and none can be placed: the queued chunks are processed in this process,
        so the run ends with every article done rather than waiting for a node that may not come."""
        if self.run_here is None:
            raise ClusterUnavailable(f"{self.where} has no node left that can take a worker")
        while self.queue and not self.should_stop():
            job = self.queue.pop(0)
            self._done.append((job.number, job.chunk, self.run_here(job.chunk)))

    def _head_answers(self) -> bool:
        """Whether the cluster's head still takes connections (a Ray of our own: always)."""
        if not self.address:
            return True
        try:
            reachable(self.address, min(5.0, self.settings.control.ray_timeout))
        except ClusterUnavailable:
            return False
        return True

    def close(self) -> None:
        ray = self.ray
        try:
            if ray is not None and ray.is_initialized():
                if self.head_lost or not self._head_answers():
                    # Any call to a headless cluster, ray.shutdown included (and Ray's own exit
                    # hook, which calls it), waits, then ends this process with exit 1 before
                    # the run can say how it ended: let go of the cluster without a word to it.
                    # Ray's threads still wait for it as the interpreter ends (a crash there):
                    # the process ends with exit 8 as soon as the run has said how it ended.
                    atexit.unregister(ray.shutdown)
                    atexit.register(_leave_headless)
                    return
                for actor in (*self.actors, *self.pending.values()):
                    _kill(ray, actor)
                if not self.address:
                    ray.shutdown()
        except Exception:  # a lost cluster cannot be told to stop: nothing of ours is left there
            pass
        finally:
            self.stdout.leave()


def reachable(address: str, timeout: float) -> None:
    """Whether anything listens at a cluster's `host:port`, within `timeout` seconds: ray.init
    retries a silent address for ever (holding the output lock)."""
    host, _, port = address.rpartition(":")
    host = host.removeprefix("ray://") or "127.0.0.1"
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return
    except ValueError as error:
        raise ClusterUnavailable(f"ray_address {address!r} is not HOST:PORT") from error
    except OSError as error:
        reason = error.strerror or error
        raise ClusterUnavailable(
            f"no Ray cluster answers at {address} within {timeout:g} s (ray_timeout): {reason}"
        ) from error


def _leave_headless() -> None:
    """The last word of a process whose Ray cluster lost its head (an atexit hook, run before
    the interpreter's own teardown): its streams flushed, exit 8."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(ExitCode.CLUSTER)


def _restore(handlers: dict[int, Any]) -> None:
    try:
        for number, handler in handlers.items():
            if handler is not None:
                signal.signal(number, handler)
    except ValueError:  # not the main thread: a library caller's run has no handlers of ours
        pass


def _kill(ray: Any, actor: Any) -> None:
    with contextlib.suppress(Exception):  # already gone, with its node
        ray.kill(actor)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else ""
