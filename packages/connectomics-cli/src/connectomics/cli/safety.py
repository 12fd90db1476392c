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


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when two paths (keys ignored) name the same file or folder on disk."""
    fa, fb = file_part(a), file_part(b)
    if fa.exists() and fb.exists():
        return fa.resolve().samefile(fb.resolve())
    return fa.resolve() == fb.resolve()


def refuse_output_on_input(output: str | Path, *inputs: str | Path | None) -> None:
    """FileExistsError when the output would land in one of the inputs (even with --overwrite)."""
    for source in inputs:
        if source is not None and same_file(output, source):
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
