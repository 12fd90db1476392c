"""`EpochStreamSampler`: crop indices that carry the epoch, for an exactly resumable stream."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from torch.utils.data import DataLoader, Sampler


class EpochStreamSampler(Sampler[int]):
    """Yields ``epoch * length + i`` for i in range(length).

    A seeded RandomCropDataset draws the crop and augmentation of index k from (seed, k)
    alone, so the data of epoch e is the same in any process, with any number of workers,
    and after a resume: Lightning calls ``set_epoch`` before every epoch (also on DDP ranks,
    through its sampler wrapper).
    """

    def __init__(self, length: int) -> None:
        self.length = int(length)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Select the indices of `epoch`."""
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[int]:
        start = self.epoch * self.length
        return iter(range(start, start + self.length))

    def __len__(self) -> int:
        return self.length


class _DeferredIterator:
    """Creates the real iterator at the first `next()`."""

    def __init__(self, make: Callable[[], Iterator[Any]]) -> None:
        self._make = make
        self._iterator: Iterator[Any] | None = None

    def __iter__(self) -> _DeferredIterator:
        return self

    def __next__(self) -> Any:
        if self._iterator is None:
            self._iterator = self._make()
        return next(self._iterator)


class LazyDataLoader(DataLoader):
    """A DataLoader whose workers start prefetching at the first batch, not at `iter()`.

    Lightning creates the training iterator before it calls the sampler's ``set_epoch`` (and
    does not recreate it after a resume); an eager multi-worker iterator would already have
    drawn the indices of the wrong epoch.
    """

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        return _DeferredIterator(super().__iter__)
