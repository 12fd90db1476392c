"""Synthetic EM-like volumes with exact labels, for tests, demos and benchmarks."""

from connectomics.data.synthetic.mitochondria import make_mitochondria_volume
from connectomics.data.synthetic.neurons import make_neuron_volume

__all__ = ["make_mitochondria_volume", "make_neuron_volume"]
