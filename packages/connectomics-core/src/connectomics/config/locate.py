"""Finding a config file from what the user wrote: a path, or a packaged tutorial name."""

from __future__ import annotations

from pathlib import Path

from connectomics.config.errors import ConfigError
from connectomics.config.packaged_tutorials import list_tutorials, tutorial_path


def locate_config(path_or_name: str | Path, base_dir: Path | None = None) -> Path:
    """The config file meant by `path_or_name`, resolved against `base_dir` (default: cwd).

    Order: an existing file; a packaged tutorial of that name (`lucchi`, `lucchi.yaml`), even
    when a folder of that name is in `base_dir` (a folder is never a config); a missing
    `tutorials/<name>.yaml` falls back to the packaged tutorial of the same name, so the
    repository's tutorial paths work from any directory. A bare name that is both a packaged
    tutorial and, with `.yaml`/`.yml` added, a file in `base_dir` is ambiguous: one error
    naming both.
    """
    text = str(path_or_name)
    root = base_dir if base_dir is not None else Path.cwd()
    candidate = Path(text).expanduser()
    if not candidate.is_absolute():
        candidate = root / candidate
    if candidate.is_file():
        return candidate.resolve()
    packaged = tutorial_path(text)
    if packaged is None and Path(text).parent.name == "tutorials" and not candidate.is_dir():
        packaged = tutorial_path(Path(text).name)
    if packaged is not None:
        if not candidate.suffix:
            local = [candidate.with_suffix(s) for s in (".yaml", ".yml")]
            clash = [p for p in local if p.is_file()]
            if clash:
                raise ConfigError(
                    f"config name {text} is ambiguous: the file {clash[0]} and the packaged "
                    f"tutorial {packaged}; give the file's path with its suffix, or the "
                    f"tutorial's full path"
                )
        return packaged
    if candidate.is_dir():
        raise ConfigError(f"config path {text} is a folder ({candidate}); give a YAML file")
    names = ", ".join(list_tutorials())
    raise ConfigError(
        f"config file not found: {text} (resolved against {root} as {candidate}); "
        f"give an existing YAML path or a packaged tutorial name ({names})"
    )
