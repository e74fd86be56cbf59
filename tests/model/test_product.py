"""Product (sim.model.product): quality and expectations of the product on sale on a given day."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model.product import Product

LINE = [
    "generations.enabled=true",
    "generations.products=[{launch_day = 10, quality_gain = 0.2, expectation_shift = 0.1}]",
]


def test_a_single_product_keeps_its_quality_and_expectations():
    product = Product(0.5, load_scenario(None).generations)
    expectation = np.array([0.1, 0.7])
    assert product.quality(0.0) == product.quality(1e6) == 0.5
    assert product.generation(1e6) == 1 and np.array_equal(product.expectation(expectation, 50.0), expectation)


def test_a_later_generation_adds_its_gain_and_shift_from_its_launch_day():
    product = Product(0.5, load_scenario(None, LINE).generations)
    assert product.generation(9.9) == 1 and product.quality(9.9) == 0.5
    assert product.generation(10.0) == 2 and product.quality(10.0) == pytest.approx(0.7)
    assert product.expectation(np.array([0.3]), 10.0)[0] == pytest.approx(0.4)
    product.engine_quality = 0.6  # a release raises the engine's quality; the gain rides on it
    assert product.quality(20.0) == pytest.approx(0.8)
