"""ATCNet: PHADTF's audio-to-motion network (after Chen et al.'s ATVGnet audio encoder), per time step

    MFCC window (1 × 28 × 12)
      → conv 1→64 → conv 64→128 → max-pool 3, stride (1, 2)
      → conv 128→256 → conv 256→256 → conv 256→512 → max-pool 3, stride 2
      → flatten → FC 2048 → FC 256                          (the audio feature of one video frame)
    sequence of features → 3-layer LSTM (256 hidden) → Linear → [expression (52 blendshapes) | pose (6)]

Convolutions are 3×3, padded, each followed by batch norm and ReLU. Channel and layer sizes come from `ATCNetConfig`
(the `paper` preset uses the sizes above; `small` and `tiny` shrink them); input and output sizes come from the data.
Targets are learned in standardized units: the model carries the per-person (or general) target mean and std as
buffers, so `predict` returns blendshape scores and radians/cm directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

import torch
from torch import nn

LSTMState = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (layers, batch, hidden)


@dataclass(frozen=True)
class ATCNetConfig:
    conv_channels: tuple[int, ...] = (64, 128, 256, 256, 512)  # 2 convs before the first pool, the rest before the second
    fc: tuple[int, ...] = (2048, 256)
    lstm_hidden: int = 256
    lstm_layers: int = 3
    mfcc_rows: int = 28
    mfcc_cols: int = 12
    n_expression: int = 52
    n_pose: int = 6
    dropout: float = 0.0  # after each FC and between LSTM layers; a person's 12 s are few, the small preset uses it

    @property
    def n_outputs(self) -> int:
        return self.n_expression + self.n_pose

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> ATCNetConfig:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items() if k in cls.__dataclass_fields__})


def _conv(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


class ATCNet(nn.Module):
    def __init__(self, config: ATCNetConfig):
        super().__init__()
        self.config = config
        ch = config.conv_channels
        layers: list[nn.Module] = []
        for i, c in enumerate(ch):
            layers += _conv(ch[i - 1] if i else 1, c)
            if i == 1:
                layers.append(nn.MaxPool2d(3, stride=(1, 2)))
        layers.append(nn.MaxPool2d(3, stride=2))
        self.audio_conv = nn.Sequential(*layers)
        with torch.no_grad():
            flat = self.audio_conv(torch.zeros(1, 1, config.mfcc_rows, config.mfcc_cols)).numel()
        fcs: list[nn.Module] = []
        for i, width in enumerate(config.fc):
            fcs += [nn.Linear(config.fc[i - 1] if i else flat, width), nn.ReLU(inplace=True), nn.Dropout(config.dropout)]
        self.audio_fc = nn.Sequential(*fcs)
        self.lstm = nn.LSTM(config.fc[-1], config.lstm_hidden, config.lstm_layers, batch_first=True,
                            dropout=config.dropout if config.lstm_layers > 1 else 0.0)
        self.head = nn.Linear(config.lstm_hidden, config.n_outputs)
        self.register_buffer("target_mean", torch.zeros(config.n_outputs))
        self.register_buffer("target_std", torch.ones(config.n_outputs))

    def forward(self, mfcc: torch.Tensor) -> torch.Tensor:
        """(B, T, 28, 12) MFCC windows → (B, T, 58) standardized expression | pose."""
        return self.step(mfcc)[0]

    def step(self, mfcc: torch.Tensor, state: LSTMState | None = None) -> tuple[torch.Tensor, LSTMState]:
        """`forward` over one stretch of time, starting from the LSTM's `state` (None: zeros) and returning the state
        after it: consecutive stretches with the state carried give the same outputs as one pass over their concatenation."""
        b, t = mfcc.shape[:2]
        features = self.audio_conv(mfcc.reshape(b * t, 1, *mfcc.shape[2:])).flatten(1)
        features = self.audio_fc(features).reshape(b, t, -1)
        hidden, state = self.lstm(features, state)
        return self.head(hidden), state

    def set_target_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.target_mean.copy_(mean)
        self.target_std.copy_(torch.clamp(std, min=1e-4))

    def standardize(self, targets: torch.Tensor) -> torch.Tensor:
        return (targets - self.target_mean) / self.target_std

    @torch.no_grad()
    def predict(self, mfcc: torch.Tensor) -> torch.Tensor:
        """(T, 28, 12) windows of one utterance → (T, 58) expression scores and pose in their own units."""
        return torch.cat(list(self.predict_stream([mfcc]))) if len(mfcc) else mfcc.new_zeros(0, self.config.n_outputs)

    @torch.no_grad()
    def predict_stream(self, chunks: Iterable[torch.Tensor]) -> Iterator[torch.Tensor]:
        """`predict` over one utterance given as consecutive (T_i, 28, 12) chunks, yielding (T_i, 58) per chunk with the
        LSTM's state carried between them: the result of one pass, with memory bounded by the largest chunk instead
        of growing with the utterance (the convolutions' activations are ~20 KB per frame at the small sizes)."""
        was_training = self.training
        self.eval()
        state: LSTMState | None = None
        try:
            for chunk in chunks:
                out, state = self.step(chunk[None], state)
                yield out[0] * self.target_std + self.target_mean
        finally:
            self.train(was_training)
