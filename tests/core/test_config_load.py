"""load_config: files, bases, overrides, interpolation, tutorials, YAML round trip and hash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from connectomics.config import (
    ConfigError,
    config_hash,
    create_config,
    list_tutorials,
    load_config,
    output_activations,
    save_config,
    to_yaml,
)
from connectomics.config.packaged_tutorials import TUTORIALS_DIR
from connectomics.config.schema import Config

REPO = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_typed_config_with_attribute_access(tmp_path):
    cfg = load_config(write(tmp_path / "c.yaml", "system: {seed: 7}\ntraining: {max_epochs: 3}\n"))
    assert isinstance(cfg, Config)
    assert cfg.system.seed == 7 and cfg.training.max_epochs == 3
    assert cfg.optimizer.name == Config().optimizer.name  # untouched sections keep defaults


def test_empty_file_gives_the_defaults(tmp_path):
    cfg = load_config(write(tmp_path / "empty.yaml", ""))
    assert config_hash(cfg) == config_hash(Config())


def test_bases_merge_in_order_relative_to_the_including_file(tmp_path):
    write(
        tmp_path / "bases" / "one.yaml",
        "training: {max_epochs: 1, max_steps: 10}\nsystem: {seed: 1}\n",
    )
    write(tmp_path / "bases" / "two.yaml", "_base_: one.yaml\ntraining: {max_epochs: 2}\n")
    write(tmp_path / "bases" / "three.yaml", "system: {seed: 3}\ndata: {batch_size: 5}\n")
    child = write(
        tmp_path / "exp" / "child.yaml",
        "_base_: [../bases/two.yaml, ../bases/three.yaml]\ndata: {batch_size: 6}\n",
    )
    cfg = load_config(child)
    assert cfg.training.max_epochs == 2  # two over one
    assert cfg.training.max_steps == 10  # inherited through two from one
    assert cfg.system.seed == 3  # the later base wins
    assert cfg.data.batch_size == 6  # the file wins over its bases


def test_base_may_name_a_packaged_tutorial(tmp_path):
    cfg = load_config(write(tmp_path / "mine.yaml", "_base_: lucchi\ntraining: {max_epochs: 2}\n"))
    assert cfg.training.max_epochs == 2
    assert cfg.data.train_image == "datasets/lucchi++/train_im.tif"


def test_overrides_scalars_lists_mappings_and_indices():
    cfg = load_config(
        "snemi",
        overrides=[
            "training.max_epochs=5",
            "data.patch_size=[16,64,64]",
            "model.kwargs={upsample: nontrainable}",
            "data.targets.0.kwargs.offsets=[[1,0,0],[0,3,0],[0,0,3]]",
            "optimizer.lr=1e-4",
            "data.train_image=[a.h5, b.h5]",
        ],
    )
    assert cfg.training.max_epochs == 5
    assert list(cfg.data.patch_size) == [16, 64, 64]
    assert cfg.model.kwargs["upsample"] == "nontrainable"
    assert cfg.data.targets[0].kwargs["offsets"][1] == [0, 3, 0]
    assert cfg.optimizer.lr == pytest.approx(1e-4)
    assert list(cfg.data.train_image) == ["a.h5", "b.h5"]


def test_overrides_as_mapping_and_bracket_index():
    cfg = load_config(
        "demo", overrides={"training.max_epochs": 2, "data.targets[0].name": "binary_contour"}
    )
    assert cfg.training.max_epochs == 2


def test_interpolation_resolves_after_overrides(tmp_path):
    path = write(tmp_path / "c.yaml", "inference:\n  window_size: ${data.patch_size}\n")
    cfg = load_config(path, overrides=["data.patch_size=[16,64,64]"])
    assert list(cfg.inference.window_size) == [16, 64, 64]
    assert "${" not in to_yaml(cfg)


def test_train_image_accepts_a_string_or_a_list(tmp_path):
    one = load_config(write(tmp_path / "a.yaml", "data: {train_image: x.h5, train_label: y.h5}\n"))
    many = load_config(
        write(tmp_path / "b.yaml", "data: {train_image: [x.h5, z.h5], train_label: [y.h5, w.h5]}\n")
    )
    assert one.data.train_image == "x.h5"
    assert list(many.data.train_image) == ["x.h5", "z.h5"]


@pytest.mark.parametrize(
    ("given", "expected"), [("32", "32"), ("16-mixed", "16-mixed"), ("BF16-Mixed", "bf16-mixed")]
)
def test_precision_is_normalised(tmp_path, given, expected):
    cfg = load_config(write(tmp_path / "p.yaml", f"training: {{precision: {given}}}\n"))
    assert cfg.training.precision == expected


def test_integer_precision_becomes_a_string_without_warning(tmp_path, recwarn):
    cfg = load_config(
        write(tmp_path / "p.yaml", "training: {precision: 16}\n"), ["training.precision=64"]
    )
    assert cfg.training.precision == "64"
    assert not [w for w in recwarn if "conversion" in str(w.message)]


def test_save_and_reload_keep_the_hash(tmp_path):
    cfg = load_config("snemi", overrides=["training.max_epochs=3"])
    saved = save_config(cfg, tmp_path / "run" / "config.yaml")
    assert saved.read_text() == to_yaml(cfg)
    again = load_config(saved)
    assert config_hash(again) == config_hash(cfg)
    assert again == cfg and again.model_dump() == cfg.model_dump()


def test_hash_is_stable_across_key_order_and_changes_with_values(tmp_path):
    a = load_config(write(tmp_path / "a.yaml", "system: {seed: 1}\ntraining: {max_epochs: 4}\n"))
    b = load_config(write(tmp_path / "b.yaml", "training: {max_epochs: 4}\nsystem: {seed: 1}\n"))
    c = load_config(write(tmp_path / "c.yaml", "training: {max_epochs: 5}\nsystem: {seed: 1}\n"))
    assert config_hash(a) == config_hash(b) != config_hash(c)
    assert len(config_hash(a)) == 16


def test_packaged_tutorials_are_listed_and_load_by_name_or_file_name():
    assert {"lucchi", "snemi", "demo", "neurons_cpu"} <= set(list_tutorials())
    assert config_hash(load_config("lucchi")) == config_hash(load_config("lucchi.yaml"))


def test_repository_tutorial_is_the_packaged_one():
    assert (REPO / "tutorials" / "lucchi.yaml").read_bytes() == (
        TUTORIALS_DIR / "lucchi.yaml"
    ).read_bytes()


def test_repository_tutorial_path_works_from_the_repo_root_and_elsewhere(monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)
    at_root = load_config("tutorials/lucchi.yaml")
    monkeypatch.chdir(tmp_path)
    elsewhere = load_config("tutorials/lucchi.yaml")  # falls back to the packaged tutorial
    assert config_hash(at_root) == config_hash(elsewhere)


def test_a_local_file_shadows_a_tutorial_name(monkeypatch, tmp_path):
    shutil.copy(TUTORIALS_DIR / "demo.yaml", tmp_path / "lucchi.yaml")
    monkeypatch.chdir(tmp_path)
    assert load_config("lucchi.yaml").experiment_name == "demo_mito_instances"


def test_lucchi_tutorial_settings():
    cfg = load_config("lucchi")
    assert cfg.data.train_label == "datasets/lucchi++/train_label.tif"
    assert cfg.data.test_label == "datasets/lucchi++/test_label.tif"
    assert list(cfg.model.loss_functions) == ["BCEWithLogitsLoss", "DiceLoss"]
    assert cfg.model.loss_kwargs[1]["sigmoid"] is True
    assert cfg.checkpoint.filename == "epoch{epoch:02d}-loss{val/loss:.2f}"
    assert cfg.scheduler.warmup_epochs > 0
    assert cfg.checkpoint.dirpath == cfg.logging.save_dir == "outputs"


def test_snemi_tutorial_settings():
    cfg = load_config("snemi")
    assert cfg.model.strides == [[1, 2, 2], [1, 2, 2], [2, 2, 2]]
    assert cfg.data.targets[0].name == "affinity" and cfg.model.out_channels == 3
    assert cfg.decoding.name in ("affinity_waterz", "affinity_mws")
    assert {"adapted_rand", "voi"} <= set(cfg.evaluation.metrics)
    assert cfg.data.test_image == "datasets/snemi3d/test_image.tif"


def test_demo_tutorial_is_small_and_leaves_data_to_the_demo_command():
    cfg = load_config("demo", overrides=["data.test_image=t.h5", "data.test_label=tl.h5"])
    assert cfg.system.num_gpus == 0 and cfg.training.precision == "32"
    assert max(cfg.data.patch_size) <= 64 and max(cfg.model.filters) <= 32
    assert cfg.decoding.name == "binary_contour_watershed"
    assert cfg.data.train_image is None and cfg.data.val_image is None


def test_output_activations_follow_the_targets():
    cfg = load_config(
        "demo",
        overrides=[
            "data.targets=[{name: binary_contour_distance}, {name: affinity}]",
            "model.out_channels=6",
        ],
    )
    assert output_activations(cfg) == [
        "sigmoid",
        "sigmoid",
        "tanh",
        "sigmoid",
        "sigmoid",
        "sigmoid",
    ]


@pytest.mark.parametrize("name", ["lucchi", "snemi", "demo", "neurons_cpu"])
def test_tutorial_builds_its_loss_plan_and_the_demo_model_runs(name):
    import torch

    import connectomics.losses as losses
    import connectomics.models as models

    cfg = load_config(name)
    plan = losses.build_loss_plan(cfg)
    if name not in ("demo", "neurons_cpu"):  # GPU tutorials' networks are built in e2e tests
        return
    model = models.build_model(cfg).eval()
    with torch.no_grad():
        out = model(torch.zeros(1, 1, *cfg.data.patch_size))
    assert out.shape == (1, cfg.model.out_channels, *cfg.data.patch_size)
    total, _ = plan(out, torch.rand_like(out))
    assert torch.isfinite(total)


def test_create_config_from_a_mapping_or_saved_yaml():
    saved = yaml.safe_load(to_yaml(load_config("demo")))
    cfg = create_config(saved, overrides=["training.max_epochs=2"], source="checkpoint x.ckpt")
    assert isinstance(cfg, Config) and cfg.training.max_epochs == 2
    assert create_config({"system": {"seed": 3}}).system.seed == 3
    with pytest.raises(
        ConfigError, match=r"checkpoint x.ckpt: unknown key system.sed; did you mean system.seed\?"
    ):
        create_config({"system": {"sed": 3}}, source="checkpoint x.ckpt")
