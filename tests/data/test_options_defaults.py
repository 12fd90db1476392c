"""Inference and augmentation options take every default from the config schema."""

from __future__ import annotations

import inspect
import re
from dataclasses import MISSING, fields
from pathlib import Path

import connectomics.data.augment as augment
import connectomics.data.inference as inference
from connectomics.config.schema.augmentation import AugmentationConfig
from connectomics.config.schema.inference import InferenceConfig
from connectomics.data.augment.registry import AUGMENTATION_REGISTRY
from connectomics.data.inference import InferenceOptions


def test_inference_options_have_no_defaults_of_their_own():
    for f in fields(InferenceOptions):
        assert f.default is MISSING and f.default_factory is MISSING, f.name
    keywords = inspect.signature(InferenceOptions.from_keywords).parameters
    # activation's schema default "auto" needs targets, which the keyword form has not
    assert set(keywords) & set(InferenceConfig.model_fields) == {"activation"}
    source = Path(inference.__file__).with_name("options.py").read_text()
    for key in InferenceConfig.model_fields:
        assert not re.search(rf"\.get\(\s*['\"]{key}['\"]\s*,", source), key


def test_augmentation_factories_read_their_typed_section():
    for name, section in AugmentationConfig.model_fields.items():
        if name == "enabled":
            continue
        factory = AUGMENTATION_REGISTRY[name]
        annotation = inspect.signature(factory).parameters["section"].annotation
        assert annotation in (section.annotation, section.annotation.__name__), name
    for path in Path(augment.__file__).parent.glob("*.py"):
        if path.name == "registry.py":  # custom sections: mappings checked there
            continue
        assert not re.search(r"section\.get\(", path.read_text()), path.name
