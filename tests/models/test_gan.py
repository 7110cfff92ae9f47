"""Refinement GAN building blocks: shapes follow the config, the attention composition, AdaIN identity, PatchGAN,
and the memory's retrieval, update rule and triplet loss."""

import torch
import torch.nn.functional as F

from phadtf_kedro.models.discriminator import PatchDiscriminator
from phadtf_kedro.models.generator import Generator, GeneratorConfig
from phadtf_kedro.models.losses import adversarial, mask_penalty, ssim, total_variation
from phadtf_kedro.models.memory import FeatureEncoder, Memory


def test_generator_shapes_and_attention_composition():
    for size in (32, 64, 128):
        gen = Generator(GeneratorConfig(size=size, ngf=8, id_dim=16))
        frames = torch.rand(2, 9, size, size) * 2 - 1
        out, generated, attention = gen(frames, torch.randn(2, 16))
        assert out.shape == generated.shape == (2, 3, size, size) and attention.shape == (2, 1, size, size)
        expected = attention * frames[:, 3:6] + (1 - attention) * generated
        torch.testing.assert_close(out, expected)  # result = A · blended_t + (1 − A) · G


def test_identity_changes_the_output_through_adain():
    torch.manual_seed(0)
    gen = Generator(GeneratorConfig(size=32, ngf=8, id_dim=16))
    for up in gen.ups:  # move AdaIN off its identity start so the style matters
        torch.nn.init.normal_(up.adain.style.weight, std=0.5)
    torch.nn.init.normal_(gen.to_image.weight, std=0.1)  # and the residual head off its zero start
    frames = torch.rand(1, 9, 32, 32)
    a = gen(frames, torch.randn(1, 16))[1]
    b = gen(frames, torch.randn(1, 16))[1]
    assert (a - b).abs().mean() > 1e-3


def test_patch_discriminator_scores_patches():
    d = PatchDiscriminator(in_channels=12, ndf=8)
    assert d(torch.zeros(2, 12, 128, 128)).shape == (2, 1, 14, 14)
    scores = torch.zeros(2, 1, 14, 14)
    assert adversarial(scores, real=False) == 0 and adversarial(scores, real=True) == 1


def test_mask_terms():
    flat = torch.full((1, 1, 8, 8), 0.5)
    assert mask_penalty(flat) == 0.5 and total_variation(flat) == 0
    stripes = flat.clone()
    stripes[..., ::2] = 1.0
    assert total_variation(stripes) > 0


def test_memory_reads_the_value_stored_with_the_nearest_key():
    mem = Memory(slots=8, key_dim=4, value_dim=3, threshold=0.9)
    q = F.normalize(torch.tensor([[1.0, 0, 0, 0]]), dim=1)
    v = F.normalize(torch.tensor([[0.0, 1, 0]]), dim=1)
    mem.update(q, v)  # a new value: written into the oldest slot
    torch.testing.assert_close(mem.read(q + 0.05), v)
    ages = mem.age.clone()
    mem.update(F.normalize(torch.tensor([[1.0, 0.2, 0, 0]]), dim=1), v)  # same value again: refines that key
    slot = int(mem.similarity(q).argmax())
    others = torch.arange(8) != slot
    assert mem.age[slot] == 0 and torch.equal(mem.age[others], ages[others] + 1)  # the rest grew by exactly one
    assert float(mem.keys[slot] @ q[0]) < 1.0  # the key moved towards the new query


def test_memory_loss_pulls_the_query_to_the_agreeing_slot():
    torch.manual_seed(0)
    mem = Memory(slots=4, key_dim=4, value_dim=2, top_k=4, threshold=0.5, margin=0.5)
    mem.keys.copy_(torch.eye(4))
    mem.values.copy_(F.normalize(torch.tensor([[1.0, 0], [0, 1.0], [0, 1.0], [0, 1.0]]), dim=1))
    query = torch.tensor([[0.1, 1.0, 0, 0]], requires_grad=True)  # nearest to slot 1, whose value disagrees
    value = torch.tensor([[1.0, 0.0]])  # agrees with slot 0 only
    loss = mem.loss(query, value)
    assert loss > 0
    loss.backward()
    assert query.grad[0, 0] < 0 and query.grad[0, 1] > 0  # descent moves the query towards key 0, away from key 1


def test_feature_encoder_is_normalized():
    enc = FeatureEncoder(in_channels=9, dim=16, width=8)
    out = enc(torch.rand(3, 9, 64, 64))
    torch.testing.assert_close(out.norm(dim=1), torch.ones(3))


def test_an_untrained_generator_keeps_its_input():
    """Issue 14: the refiner starts as "output = input" and learns a correction, instead of repainting everything."""
    torch.manual_seed(0)
    gen = Generator(GeneratorConfig(size=64, ngf=8, id_dim=16))
    frames = torch.rand(2, 9, 64, 64) * 2 - 1
    out, generated, _ = gen(frames, torch.randn(2, 16))
    torch.testing.assert_close(out, frames[:, 3:6])
    torch.testing.assert_close(generated, frames[:, 3:6])


def test_ssim_loss_matches_scikit_image():
    import numpy as np
    from skimage import data as skdata
    from skimage.metrics import structural_similarity

    a = skdata.astronaut()[100:164, 180:244].astype(np.float64) / 127.5 - 1
    b = np.clip(a + np.random.default_rng(0).normal(0, 0.2, a.shape), -1, 1)
    expected = structural_similarity(a, b, channel_axis=-1, data_range=2.0, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False)
    to_t = lambda x: torch.as_tensor(x).permute(2, 0, 1)[None].float()  # noqa: E731
    # scikit-image averages over the image with its border cropped; ours over the valid (unpadded) positions
    assert abs(float(ssim(to_t(a), to_t(b))) - expected) < 0.02
    assert float(ssim(to_t(a), to_t(a))) > 0.999
