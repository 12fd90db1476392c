"""Loss registry, multi-loss routing and deep supervision."""

from connectomics.config.version import distribution_version
from connectomics.losses import balanced, builtin  # noqa: F401  (fill the registry)
from connectomics.losses.balanced import BalancedBCETerm, balanced_weights
from connectomics.losses.loss_plan import (
    LossPlan,
    RoutedLoss,
    build_loss_plan,
    default_scale_weights,
)
from connectomics.losses.registry import (
    LOSS_REGISTRY,
    LossSpec,
    build_loss_term,
    list_losses,
    register_loss,
)
from connectomics.losses.terms import LossTerm, PointwiseTerm, RegionTerm, WeightedTerm

__version__ = distribution_version("connectomics-core")

__all__ = [
    "BalancedBCETerm",
    "LOSS_REGISTRY",
    "LossPlan",
    "LossSpec",
    "LossTerm",
    "PointwiseTerm",
    "RegionTerm",
    "RoutedLoss",
    "WeightedTerm",
    "balanced_weights",
    "build_loss_plan",
    "build_loss_term",
    "default_scale_weights",
    "list_losses",
    "register_loss",
]
