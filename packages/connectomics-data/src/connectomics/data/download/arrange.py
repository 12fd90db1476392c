"""Post-extraction steps putting upstream files where the tutorial configs expect them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from connectomics.data.errors import DataError


def _find(folder: Path, name: str) -> Path | None:
    """`name` directly in the folder or anywhere below it (archives often nest one level)."""
    direct = folder / name
    if direct.exists():
        return direct
    return next(iter(sorted(folder.rglob(Path(name).name))), None)


def _hdf5_to_tiff(source: Path, target: Path) -> None:
    """Write the (first) dataset of an HDF5 file as a TIFF stack."""
    import h5py
    import tifffile

    with h5py.File(source, "r") as f:
        names: list[str] = []
        f.visititems(
            lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None
        )
        if not names:
            raise DataError(f"{source} holds no dataset to convert to {target.name}")
        # written beside and renamed when complete: an interrupted conversion leaves no
        # partial target that a later run would take for the finished file
        partial = target.with_name(f".{target.name}.partial")
        try:
            tifffile.imwrite(partial, f[names[0]][...])
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)


def arrange(folder: str | Path, steps: Iterable[tuple[str, str]]) -> list[Path]:
    """Apply (source, target) steps in `folder`: HDF5 converted to TIFF, other files renamed."""
    folder = Path(folder)
    done = []
    for source_name, target_name in steps:
        target = folder / target_name
        if target.exists():
            done.append(target)
            continue
        source = _find(folder, source_name)
        if source is None:
            raise DataError(
                f"expected {source_name} in the extracted files under {folder} to produce "
                f"{target_name}; the upstream layout changed: fix the registry entry"
            )
        if source.suffix.lower() in (".h5", ".hdf5", ".hdf"):
            _hdf5_to_tiff(source, target)
            source.unlink()
        else:
            source.replace(target)
        done.append(target)
    return done
