"""Turn any basic numpy index into bounded unit-step slices plus a post-read index."""

from __future__ import annotations

from typing import Any


def normalize_index(
    index: Any, shape: tuple[int, ...]
) -> tuple[tuple[slice, ...], tuple[int | slice, ...]]:
    """Split ``index`` into the minimal region to read and the index to apply afterwards.

    Supports ints, slices with any step and an Ellipsis (basic indexing). The region has
    bounded, step-1 slices on every axis, so backends read only that box.
    """
    if not isinstance(index, tuple):
        index = (index,)
    if any(item is Ellipsis for item in index):
        at = next(i for i, item in enumerate(index) if item is Ellipsis)
        fill = (slice(None),) * (len(shape) - len(index) + 1)
        index = index[:at] + fill + index[at + 1 :]
    if len(index) > len(shape):
        raise IndexError(f"too many indices ({len(index)}) for a {len(shape)}-d volume")
    index = index + (slice(None),) * (len(shape) - len(index))
    region: list[slice] = []
    post: list[int | slice] = []
    for item, size in zip(index, shape):
        if isinstance(item, slice):
            steps = range(*item.indices(size))
            if len(steps) == 0:
                region.append(slice(0, 0))
                post.append(slice(None))
                continue
            low = min(steps[0], steps[-1])
            region.append(slice(low, max(steps[0], steps[-1]) + 1))
            if steps.step == 1:
                post.append(slice(None))
            else:
                stop = steps[0] - low + len(steps) * steps.step
                post.append(slice(steps[0] - low, stop if stop >= 0 else None, steps.step))
        elif isinstance(item, (int,)) or hasattr(item, "__index__"):
            position = int(item)
            if not -size <= position < size:
                raise IndexError(f"index {position} is out of bounds for axis of size {size}")
            position %= size
            region.append(slice(position, position + 1))
            post.append(0)
        else:
            raise TypeError(
                f"volumes support ints, slices and ... as indices, got {type(item).__name__}"
            )
    return tuple(region), tuple(post)
