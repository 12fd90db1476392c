"""The registry of public EM datasets: where they live and what a download yields."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectomics.data.samples import sample_archive

# No publisher of these files posts a sha256. Entries therefore leave sha256 unset and
# download() trusts the first download: it prints the hash it computed and records it in
# {to}/.checksums.json; every later download of the same dataset there must match it.


@dataclass(frozen=True)
class DatasetEntry:
    """One downloadable dataset: source, integrity, license and the files it yields."""

    name: str
    description: str
    url: str
    # Name of the downloaded file (an archive is extracted, anything else kept as is).
    filename: str
    license: str
    # Voxel size (z, y, x) in nanometres.
    voxel_size_nm: tuple[float, float, float]
    # Files under {to}/{name} after download, with their array shapes (z, y, x).
    shapes: dict[str, tuple[int, ...]]
    sha256: str | None = None
    homepage: str = ""
    # Post-extraction steps: (source relative to the folder, target file); an .h5/.hdf source
    # is converted to a TIFF stack, anything else renamed.
    arrange: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def folder(self) -> str:
        """The folder under the download root that holds the dataset's files (its name)."""
        return self.name

    @property
    def files(self) -> list[str]:
        """The files this dataset yields, relative to the download folder."""
        return [f"{self.folder}/{name}" for name in self.shapes]

    def by_hand(self, to: str = "datasets") -> str:
        """Where a file fetched elsewhere goes (the one sentence the CLI and the docs show)."""
        return (
            f"fetch {self.url} on a machine with a network and either put it in a folder DIR "
            f"and run `connectomics download {self.name} --from DIR --to {to}`, or place it as "
            f"{to}/{self.folder}/{self.filename} and run `connectomics download {self.name} "
            f"--to {to}`; both verify it as a download"
        )


_HF = "https://huggingface.co/pytc/tutorial/resolve/main"
_CREMI_LICENSE = "CREMI challenge data, free for research use (cremi.org)"


def _cremi(sample: str) -> DatasetEntry:
    """CREMI sample A/B/C (training volume with neuron ids, clefts and synapse partners)."""
    filename = f"sample_{sample}_20160501.hdf"
    return DatasetEntry(
        name=f"cremi_{sample.lower()}",
        description=f"CREMI sample {sample}: adult fly brain ssTEM, neurons and synaptic clefts",
        url=f"https://cremi.org/static/data/{filename}",
        filename=filename,
        license=_CREMI_LICENSE,
        voxel_size_nm=(40.0, 4.0, 4.0),
        shapes={filename: (125, 1250, 1250)},
        homepage="https://cremi.org/data/",
    )


DATASETS: dict[str, DatasetEntry] = {
    entry.name: entry
    for entry in (
        DatasetEntry(
            name="lucchi++",
            description="Lucchi++ mitochondria, mouse hippocampus FIB-SEM (Casser et al. relabel)",
            url=f"{_HF}/mito_lucchi%2B%2B/lucchi%2B%2B.zip",
            filename="lucchi++.zip",
            license="research use (EPFL CVLab EM dataset; Lucchi++ labels by Casser et al.)",
            voxel_size_nm=(5.0, 5.0, 5.0),
            shapes={
                "train_im.tif": (165, 768, 1024),
                "train_label.tif": (165, 768, 1024),
                "test_im.tif": (165, 768, 1024),
                "test_label.tif": (165, 768, 1024),
            },
            homepage="https://sites.google.com/view/connectomics/",
            arrange=(
                ("train_im.h5", "train_im.tif"),
                ("train_mito.h5", "train_label.tif"),
                ("test_im.h5", "test_im.tif"),
                ("test_mito.h5", "test_label.tif"),
            ),
        ),
        DatasetEntry(
            name="snemi3d",
            description="SNEMI3D neurons, mouse cortex ssEM (ISBI 2013 challenge)",
            url=f"{_HF}/neuron_snemi/snemi.zip",
            filename="snemi.zip",
            license="SNEMI3D challenge data (Kasthuri et al. 2015), research use",
            voxel_size_nm=(30.0, 6.0, 6.0),
            shapes={
                "train_image.tif": (100, 1024, 1024),
                "train_label.tif": (100, 1024, 1024),
                "test_image.tif": (100, 1024, 1024),
            },
            homepage="https://snemi3d.grand-challenge.org/",
            arrange=(
                ("train-input.tif", "train_image.tif"),
                ("train-labels.tif", "train_label.tif"),
                ("test-input.tif", "test_image.tif"),
            ),
        ),
        DatasetEntry(
            name="fibsem_medulla",
            description="Drosophila medulla FIB-SEM, two small crops with neuron ids (ships with "
            "the package: no network needed)",
            url=sample_archive("fibsem_medulla").as_uri(),
            filename="fibsem_medulla.zip",
            sha256="4b0720b9f834e364781c3a763ab983864a3dc2566c39fde9513dbc1fdfaa6e1d",
            license="BSD-style HHMI licence (janelia-flyem/gala example data)",
            voxel_size_nm=(10.0, 10.0, 10.0),
            shapes={"train.h5": (50, 100, 200), "test.h5": (50, 100, 200)},
            homepage="https://github.com/janelia-flyem/gala",
        ),
        _cremi("A"),
        _cremi("B"),
        _cremi("C"),
    )
}
