"""Who the demo's customers are: their ids, names, kinds and cities, each from the
seed and the customer's position alone."""

from __future__ import annotations

import random
from typing import NamedTuple
from uuid import UUID

from demo.staff import SEGMENTS
from demo.texts import BRANDS, CITIES, FAMILY_NAMES, GIVEN_NAMES, TEXTS
from ledger.domain.directory import customer_id_for_command


def registration_command_id(seed: int, index: int) -> str:
    return f"demo-{seed}-{index:05d}"


def demo_customer_id(seed: int, index: int) -> UUID:
    """The id of the demo's customer at position `index` (0-based) for `seed`."""
    return customer_id_for_command(registration_command_id(seed, index))


# ------------------------------------------------------------------ the names
class Identity(NamedTuple):
    name: str
    kind: str
    industry: str
    brand: str  # empty for individuals
    city: str  # where the head office is


def customer_identity(seed: int, index: int) -> Identity:
    """Who the customer at `index` is. Names are unique among the demo's customers:
    each segment deals them from its own shuffled deck, one card per position."""
    segment = SEGMENTS[index % len(SEGMENTS)]
    position = index // len(SEGMENTS)
    rng = random.Random(f"ledger-demo/{seed}/{index}/identity")
    city = rng.choice(CITIES)
    if segment == "real_estate" and position >= 1 and rng.random() < 0.35:
        people = [f"{family} {given}" for family in FAMILY_NAMES for given in GIVEN_NAMES]
        random.Random(f"ledger-demo/{seed}/people").shuffle(people)
        name = people[position % len(people)]
        if position >= len(people):
            name = f"{name} ({position // len(people) + 1})"
        return Identity(name, "individual", "home buyer", "", city)
    deck = [(company, brand) for company in TEXTS[segment].companies for brand in BRANDS]
    random.Random(f"ledger-demo/{seed}/{segment}").shuffle(deck)
    (pattern, industry), brand = deck[position % len(deck)]
    name = pattern.format(brand=brand, city=city)
    if position >= len(deck):
        name = f"{name} No. {position // len(deck) + 1}"
    return Identity(name, "organisation", industry, brand, city)


def person_name(rng: random.Random) -> tuple[str, str, str]:
    family, given = rng.choice(FAMILY_NAMES), rng.choice(GIVEN_NAMES)
    return f"{family} {given}", family, given


def phone_number(rng: random.Random) -> str:
    prefix = f"1{rng.choice('3589')}{rng.randint(0, 9)}"
    return f"+86 {prefix} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
