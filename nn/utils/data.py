"""``nn.utils.data``: PyTorch's path (``torch.utils.data``) to what ``nn.data`` defines:
``from nn.utils.data import DataLoader, TensorDataset``."""

from ..data import *  # noqa: F403
from ..data import __all__  # noqa: F401
