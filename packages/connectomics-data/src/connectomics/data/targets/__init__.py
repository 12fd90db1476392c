"""Label-to-target MapTransforms (`TARGET_REGISTRY`) and `build_target_transform(cfg)`."""

from connectomics.data.targets.affinity import AffinityTargetd, compute_affinities
from connectomics.data.targets.base import LabelTargetd
from connectomics.data.targets.binary import BinaryTargetd
from connectomics.data.targets.boundary import BoundaryTargetd, compute_boundary
from connectomics.data.targets.compose import TargetStackd, build_target, build_target_transform
from connectomics.data.targets.distance import (
    DistanceTargetd,
    instance_distance,
    semantic_distance,
)
from connectomics.data.targets.lsd import LSDTargetd, local_shape_descriptors
from connectomics.data.targets.mitochondria import (
    BinaryContourDistanceTargetd,
    BinaryContourTargetd,
)
from connectomics.data.targets.registry import TARGET_REGISTRY, list_targets, register_target
from connectomics.data.targets.semantic import SemanticTargetd
from connectomics.data.targets.weights import class_balanced_weights

__all__ = [
    "TARGET_REGISTRY",
    "AffinityTargetd",
    "BinaryContourDistanceTargetd",
    "BinaryContourTargetd",
    "BinaryTargetd",
    "BoundaryTargetd",
    "DistanceTargetd",
    "LSDTargetd",
    "LabelTargetd",
    "SemanticTargetd",
    "TargetStackd",
    "build_target",
    "build_target_transform",
    "class_balanced_weights",
    "compute_affinities",
    "compute_boundary",
    "instance_distance",
    "local_shape_descriptors",
    "list_targets",
    "register_target",
    "semantic_distance",
]
