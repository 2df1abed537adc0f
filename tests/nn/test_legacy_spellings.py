"""PyTorch's deprecated loss arguments still work, with torch's rule and warning."""

import pytest

import nn

CASES = [({"size_average": False}, "sum"), ({"reduce": False}, "none"),
         ({"size_average": True}, "mean"), ({"size_average": False, "reduce": True}, "sum")]
LOSSES = ["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss",
          "CrossEntropyLoss", "NLLLoss"]


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("legacy, reduction", CASES)
def test_size_average_and_reduce_map_to_reduction(name, legacy, reduction):
    with pytest.warns(UserWarning, match=f"please use reduction='{reduction}'"):
        loss = getattr(nn, name)(**legacy)
    assert loss.reduction == reduction


@pytest.mark.parametrize("legacy, reduction", CASES)
def test_the_rule_is_torchs(legacy, reduction):
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning):
        assert torch.nn.MSELoss(**legacy).reduction == reduction


def test_both_spellings_at_once_are_refused():
    with pytest.raises(TypeError, match="not both"):
        nn.MSELoss(reduction="sum", size_average=False)
