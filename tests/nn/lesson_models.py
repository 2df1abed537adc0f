"""Models the lessons define, shared by the tests that use them."""

from nn.demo import MyFirstPytorchModel  # the lesson's classifier, verbatim

__all__ = ["LESSON_REPR", "MyFirstPytorchModel"]

LESSON_REPR = """MyFirstPytorchModel(
  (fully_connected_1): Linear(in_features=4, out_features=8, bias=True)
  (fully_connected_2): Linear(in_features=8, out_features=9, bias=True)
  (output): Linear(in_features=9, out_features=3, bias=True)
)"""
