"""nn.data's augmentation: seeded draws repeat, shapes and dtypes are kept, and each
transform does what its name says (a flip twice is the identity, a 90 degree rotation is
np.rot90, a shift moves a pixel by whole steps, ...)."""

import numpy as np
import pytest

import autograd
from nn.data import (
    Compose,
    DataLoader,
    GaussianNoise,
    RandomBrightness,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomShift,
    RandomZoom,
    TensorDataset,
)

_rng = np.random.default_rng(2)
GRAY = _rng.random((6, 9, 9))          # (N, H, W)
RGB = _rng.random((4, 8, 10, 3))       # (N, H, W, C)

ALL = [
    lambda **k: GaussianNoise(0.1, **k),
    lambda **k: RandomFlip("horizontal_and_vertical", **k),
    lambda **k: RandomRotation(30, **k),
    lambda **k: RandomShift(2, **k),
    lambda **k: RandomZoom(0.2, **k),
    lambda **k: RandomCrop((8, 10), padding=2, **k),
    lambda **k: RandomBrightness(0.3, **k),
]


@pytest.mark.parametrize("make", ALL)
def test_seeded_transforms_repeat_and_successive_calls_differ(make):
    a, b = make(seed=5), make(seed=5)
    first = a(RGB)
    np.testing.assert_array_equal(first, b(RGB))
    assert not np.array_equal(first, a(RGB))  # the stream goes on
    gen = make(generator=np.random.default_rng(5))
    np.testing.assert_array_equal(gen(RGB), first)
    autograd.manual_seed(3)
    c = make()(RGB)
    autograd.manual_seed(3)
    np.testing.assert_array_equal(make()(RGB), c)


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("images", [RGB, RGB[0, :, :, 0], RGB[..., 0]], ids=["NHWC", "HW", "NHW"])
def test_shapes_and_dtypes_are_kept(make, images):
    out = make(seed=0)(images.astype(np.float32))
    assert out.shape == images.shape and out.dtype == np.float32
    t = make(seed=0)(autograd.tensor(images, dtype=np.float32))
    assert isinstance(t, autograd.Tensor) and t.shape == images.shape


@pytest.mark.parametrize("make", ALL)
def test_integer_images_stay_in_their_range(make):
    img = (RGB * 255).astype(np.uint8)
    out = make(seed=1)(img)
    assert out.dtype == np.uint8 and out.shape == img.shape


def test_channels_first_is_the_same_transform_transposed():
    nchw = RGB.transpose(0, 3, 1, 2)
    for make in ALL[1:]:  # the image transforms
        ours = make(seed=4, channels_first=True)(nchw)
        np.testing.assert_allclose(ours, make(seed=4)(RGB).transpose(0, 3, 1, 2), atol=1e-12)


def test_flip_twice_is_the_identity_and_flips_the_right_axis():
    for mode in RandomFlip._MODES:
        flip = RandomFlip(mode, p=1.0)
        np.testing.assert_array_equal(flip(flip(RGB)), RGB)
    np.testing.assert_array_equal(RandomFlip("horizontal", p=1.0)(GRAY), GRAY[:, :, ::-1])
    np.testing.assert_array_equal(RandomFlip("vertical", p=1.0)(GRAY), GRAY[:, ::-1, :])
    np.testing.assert_array_equal(RandomFlip(p=0.0)(GRAY), GRAY)


def test_flip_draws_for_each_image():
    images = np.broadcast_to(np.arange(5.0), (200, 3, 5)).copy()
    out = RandomFlip(p=0.5, seed=0)(images)
    flipped = (out[:, 0, 0] == 4).sum()
    assert 60 < flipped < 140
    assert set(out[:, 0, 0]) == {0.0, 4.0}


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_rotation_by_90_degrees_is_rot90(interpolation):
    rot = RandomRotation((90, 90), interpolation=interpolation)
    np.testing.assert_allclose(rot(GRAY), np.rot90(GRAY, 1, axes=(1, 2)), atol=1e-12)
    back = RandomRotation((-90, -90), interpolation=interpolation)
    np.testing.assert_allclose(back(rot(GRAY)), GRAY, atol=1e-12)
    np.testing.assert_array_equal(RandomRotation(0)(GRAY), GRAY)


def test_rotation_fills_the_corners_and_keeps_the_centre():
    img = np.ones((1, 9, 9))
    out = RandomRotation((45, 45), fill=-1.0)(img)
    assert out[0, 0, 0] == -1.0 and out[0, 4, 4] == 1.0


def test_shift_moves_a_pixel_by_whole_steps_within_the_limit():
    img = np.zeros((300, 7, 7))
    img[:, 3, 3] = 1.0
    out = RandomShift((2, 1), seed=0)(img)
    where = np.array([np.argwhere(o == 1.0)[0] for o in out])
    assert out.sum() == 300  # nothing lost, nothing blurred
    dr, dc = where[:, 0] - 3, where[:, 1] - 3
    assert set(dr) == {-2, -1, 0, 1, 2} and set(dc) == {-1, 0, 1}
    np.testing.assert_array_equal(RandomShift(0)(GRAY), GRAY)


def test_shift_as_a_fraction_of_the_size():
    img = np.zeros((300, 10, 10))
    img[:, 5, 5] = 1.0
    out = RandomShift(0.1, seed=1)(img)  # at most 1 pixel of 10
    rows = np.array([np.argwhere(o == 1.0)[0][0] for o in out])
    assert set(rows) == {4, 5, 6}


def test_crop_is_a_window_of_the_padded_image():
    out = RandomCrop(9, padding=2, seed=0)(GRAY)
    padded = np.pad(GRAY, ((0, 0), (2, 2), (2, 2)))
    for o, p in zip(out, padded, strict=True):
        assert any(np.array_equal(o, p[r:r + 9, c:c + 9]) for r in range(5) for c in range(5))
    np.testing.assert_array_equal(RandomCrop(9)(GRAY), GRAY)
    small = RandomCrop((4, 5), seed=0)(GRAY)
    assert small.shape == (6, 4, 5)


def test_zoom_by_one_is_the_identity_and_keeps_the_centre():
    np.testing.assert_allclose(RandomZoom((1, 1))(GRAY), GRAY, atol=1e-12)
    zoomed = RandomZoom((2, 2))(GRAY)
    np.testing.assert_allclose(zoomed[:, 4, 4], GRAY[:, 4, 4])


def test_brightness_scales_each_image_by_one_factor():
    out = RandomBrightness(0.5, seed=0)(GRAY + 1)
    ratio = out / (GRAY + 1)
    per_image = ratio.reshape(len(GRAY), -1)
    np.testing.assert_allclose(per_image, per_image[:, :1] * np.ones_like(per_image))
    assert np.all((per_image >= 0.5) & (per_image <= 1.5))
    clipped = RandomBrightness((2, 2), value_range=(0, 1))(GRAY)
    np.testing.assert_array_equal(clipped, np.minimum(GRAY * 2, 1))


def test_gaussian_noise_on_a_table():
    table = np.zeros((2_000, 5))
    out = GaussianNoise(0.5, seed=0)(table)
    assert out.shape == table.shape
    assert abs(out.mean()) < 0.02 and abs(out.std() - 0.5) < 0.02
    np.testing.assert_array_equal(GaussianNoise(0.0)(table), table)
    assert GaussianNoise(3.0, value_range=(-1, 1))(table).max() <= 1


def test_compose_applies_in_order_and_repeats_with_its_seeds():
    pipeline = Compose([RandomFlip(p=1.0), RandomBrightness((2, 2)), GaussianNoise(0.1, seed=9)])
    again = Compose([RandomFlip(p=1.0), RandomBrightness((2, 2)), GaussianNoise(0.1, seed=9)])
    out = pipeline(GRAY)
    np.testing.assert_array_equal(out, again(GRAY))
    noise = np.random.default_rng(9).normal(0, 0.1, GRAY.shape)
    np.testing.assert_allclose(out, GRAY[:, :, ::-1] * 2 + noise, atol=1e-12)
    assert "RandomFlip" in repr(pipeline)
    with pytest.raises(TypeError, match="transform 1 is a int, which is not callable"):
        Compose([RandomFlip(), 3])


def test_a_dataset_transform_draws_afresh_each_epoch():
    ds = TensorDataset(GRAY.astype(np.float32), np.arange(6), transform=GaussianNoise(0.1))
    loader = DataLoader(ds, batch_size=6)
    (a, ya), = list(loader)
    (b, yb), = list(loader)
    assert not np.array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(ya.numpy(), yb.numpy())
    assert np.abs(a.numpy() - GRAY).max() < 1


@pytest.mark.parametrize("call, error", [
    (lambda: RandomFlip()(np.zeros(5)), r"got shape \(5,\)"),
    (lambda: RandomFlip("diagonal"), "mode must be one of"),
    (lambda: RandomFlip(p=1.5), r"p must be a probability in \[0, 1\], got 1.5"),
    (lambda: GaussianNoise(-1), "std must be a finite number >= 0, got -1"),
    (lambda: RandomRotation((10, -10)), "low <= high"),
    (lambda: RandomRotation(10, interpolation="cubic"), "'bilinear' or 'nearest'"),
    (lambda: RandomZoom(1.5), "factor must be below 1"),
    (lambda: RandomCrop(20)(GRAY), "a 20x20 crop does not fit in a 9x9 image"),
    (lambda: RandomCrop(4, padding=-1), "padding must be an int >= 0"),
    (lambda: GaussianNoise(0.1)(np.array(["a"])), "expected an array of numbers"),
    (lambda: GaussianNoise(0.1, seed=1, generator=np.random.default_rng()), "not both"),
])
def test_bad_arguments_are_named(call, error):
    with pytest.raises((ValueError, TypeError), match=error):
        call()
