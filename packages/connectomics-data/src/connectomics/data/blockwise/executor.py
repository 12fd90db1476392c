"""Where blockwise tasks run: Dask's local threads, or a dask.distributed cluster."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from connectomics.data.errors import DataError


@dataclass(frozen=True)
class Engine:
    """How to run blockwise tasks.

    `scheduler` None or "threads" uses Dask's local threaded scheduler with `num_workers`
    threads (None: one per core); "synchronous" runs tasks one by one in this thread (for
    debugging); anything else is the address of a dask.distributed scheduler
    ("tcp://host:8786", reached within `timeout` seconds). `progress` None shows a progress bar only when stderr is a terminal.
    """

    scheduler: str | None = None
    num_workers: int | None = None
    progress: bool | None = None
    # seconds to wait for the distributed scheduler to answer
    timeout: float = 20.0
    # the connection held by `connected()`, shared by the passes of a run
    client: Any = field(default=None, compare=False, repr=False)

    @property
    def distributed(self) -> bool:
        """True when the tasks go to a dask.distributed cluster."""
        return self.scheduler not in (None, "", "threads", "synchronous")

    def show_progress(self) -> bool:
        """Whether to draw a progress bar."""
        return sys.stderr.isatty() if self.progress is None else bool(self.progress)

    def map(
        self, fn: Callable[..., Any], items: Sequence[Any], shared: dict[str, Any] | None = None
    ) -> list[Any]:
        """`[fn(item, **shared) for item in items]`, computed in parallel; order is kept."""
        items = list(items)
        if not items:
            return []
        if self.distributed:
            return self._map_distributed(fn, items, shared or {})
        import dask
        from dask.diagnostics import ProgressBar

        task = partial(fn, **(shared or {}))
        tasks = [dask.delayed(task, pure=False)(item) for item in items]
        options: dict[str, Any] = {"scheduler": self.scheduler or "threads"}
        if options["scheduler"] == "threads" and self.num_workers:
            options["num_workers"] = int(self.num_workers)
        if self.show_progress():
            with ProgressBar(out=sys.stderr):
                return list(dask.compute(*tasks, **options))
        return list(dask.compute(*tasks, **options))

    @contextmanager
    def connected(self) -> Iterator[Engine]:
        """This engine holding one connection to its cluster until the block exits, so that
        the passes of a run do not each connect; the engine itself for local schedulers."""
        if not self.distributed or self.client is not None:
            yield self
            return
        with self._connect() as client:
            yield replace(self, client=client)

    def _connect(self) -> Any:
        """A dask.distributed Client of the scheduler at `self.scheduler`."""
        # imported on use: dask.distributed is slow to import and only a cluster run needs it
        from distributed import Client

        try:
            return Client(self.scheduler, timeout=f"{self.timeout}s", set_as_default=False)
        except OSError as error:
            raise DataError(
                f"cannot reach the Dask scheduler {self.scheduler!r} ({error}); start one "
                "(dask scheduler / dask-jobqueue) and pass its address, e.g. tcp://host:8786, "
                "or leave decoding.scheduler empty to use local threads"
            ) from None

    def _map_distributed(
        self, fn: Callable[..., Any], items: list[Any], shared: dict[str, Any]
    ) -> list[Any]:
        """The same map on the dask.distributed cluster at `self.scheduler`."""
        if self.client is None:
            with self.connected() as engine:
                return engine._map_distributed(fn, items, shared)
        from distributed import progress

        client = self.client
        # the shared arguments are small (paths, the grid, per-block offsets): tasks read
        # their blocks from the stores and return numbers or small tables
        scattered = {k: client.scatter(v, broadcast=True) for k, v in shared.items()}
        futures = client.map(fn, items, pure=False, **scattered)
        if self.show_progress():
            progress(futures)
        return client.gather(futures)
