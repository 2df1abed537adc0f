"""nn.data: everything between a file of numbers and a training loop (also importable as
``nn.utils.data``, PyTorch's path).

- Batches: ``Dataset``, ``TensorDataset``, ``Subset``, ``DataLoader``, ``random_split``,
  ``default_collate``.
- Splits: ``train_test_split``, ``train_val_test_split``.
- Preprocessing: ``StandardScaler``, ``MinMaxScaler``, ``OneHotEncoder``, ``LabelEncoder``,
  ``one_hot``.
- Files: ``load_csv`` -> ``Table``.
- Augmentation: ``Compose``, ``GaussianNoise``, ``RandomFlip``, ``RandomRotation``,
  ``RandomShift``, ``RandomZoom``, ``RandomCrop``, ``RandomBrightness``.
"""

from .augment import (
    Compose,
    GaussianNoise,
    RandomBrightness,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomShift,
    RandomZoom,
)
from .loading import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split
from .preprocessing import (
    LabelEncoder,
    MinMaxScaler,
    NotFittedError,
    OneHotEncoder,
    StandardScaler,
    one_hot,
)
from .splits import train_test_split, train_val_test_split
from .table import NA_VALUES, Table, load_csv

__all__ = [
    "Dataset", "TensorDataset", "Subset", "DataLoader", "random_split", "default_collate",
    "train_test_split", "train_val_test_split",
    "StandardScaler", "MinMaxScaler", "OneHotEncoder", "LabelEncoder", "one_hot",
    "NotFittedError",
    "load_csv", "Table", "NA_VALUES",
    "Compose", "GaussianNoise", "RandomFlip", "RandomRotation", "RandomShift", "RandomZoom",
    "RandomCrop", "RandomBrightness",
]
