"""Models the lessons define, shared by the tests that use them."""

import nn
import nn.functional as F


class MyFirstPytorchModel(nn.Module):
    """Lesson 001's classifier (seeds/001), verbatim but for the forward's indentation."""

    def __init__(self, input_features=4, hidden_layer_1=8, hidden_layer_2=9, output_features=3):
        super().__init__()
        self.fully_connected_1 = nn.Linear(input_features, hidden_layer_1)
        self.fully_connected_2 = nn.Linear(hidden_layer_1, hidden_layer_2)
        self.output = nn.Linear(hidden_layer_2, output_features)

    def forward(self, x):
        x = F.relu(self.fully_connected_1(x))
        x = F.relu(self.fully_connected_2(x))
        x = self.output(x)
        return x


LESSON_REPR = """MyFirstPytorchModel(
  (fully_connected_1): Linear(in_features=4, out_features=8, bias=True)
  (fully_connected_2): Linear(in_features=8, out_features=9, bias=True)
  (output): Linear(in_features=9, out_features=3, bias=True)
)"""
