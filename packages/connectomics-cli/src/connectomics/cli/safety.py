"""No-clobber checks shared by the commands, run before anything is written or deleted."""

from __future__ import annotations

from pathlib import Path


def file_part(path: str | Path) -> Path:
    """The file or folder of "volume.h5:key" (the path itself when it has no key)."""
    text = str(path)
    head, sep, tail = text.rpartition(":")
    if sep and Path(head).suffix.lower() in (".h5", ".hdf5", ".hdf", ".zarr") and "/" not in tail:
        text = head
    return Path(text)


def data_identity(path: str | Path) -> tuple[Path, tuple[str, ...] | None]:
    """(file or store on disk, resolved through symlinks; array path inside a Zarr store).

    "p.zarr/prediction" and "p.zarr:prediction" are the same array; the array path is None
    for a file that is not a Zarr store (an HDF5 file is replaced as a whole)."""
    text = str(path)
    head, sep, tail = text.rpartition(":")
    key = tail if sep and Path(head).suffix.lower() in (".h5", ".hdf5", ".hdf", ".zarr") else ""
    location = Path(head if key else text)
    parts = location.parts
    stores = [i for i, part in enumerate(parts) if part.lower().endswith(".zarr")]
    if not stores:
        return location.resolve(), None
    root = Path(*parts[: stores[0] + 1])
    inner = [*parts[stores[0] + 1 :], *key.strip("/").split("/")]
    return root.resolve(), tuple(p for p in inner if p)


def same_data(a: str | Path, b: str | Path) -> bool:
    """True when writing `a` can touch `b`: the same file, or in one Zarr store the same
    array, one array inside the other, or the whole store."""
    (fa, ka), (fb, kb) = data_identity(a), data_identity(b)
    same = fa.samefile(fb) if fa.exists() and fb.exists() else fa == fb
    if not same or ka is None or kb is None:
        return same
    shorter = min(len(ka), len(kb))
    return ka[:shorter] == kb[:shorter]


def refuse_output_on_input(output: str | Path, *inputs: str | Path | None) -> None:
    """FileExistsError when the output would land in one of the inputs (even with --overwrite)."""
    for source in inputs:
        if source is not None and same_data(output, source):
            raise FileExistsError(
                f"output {output} is the input {source}; an input is never overwritten, "
                "choose another output path"
            )


def refuse_clobber(path: str | Path, overwrite: bool, what: str = "output") -> None:
    """FileExistsError when `path` exists and --overwrite was not given."""
    if not overwrite and file_part(path).exists():
        raise FileExistsError(
            f"{what} {path} already exists; pass --overwrite to replace it or choose another path"
        )
