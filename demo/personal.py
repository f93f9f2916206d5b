"""Personal details of the demo's key people, as form 2 asks for them: realistic,
repeatable from the story's random numbers, and never a real person's."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from demo.customers import phone_number
from demo.texts import CITIES, INTERESTS, SCHOOLS

NATIVE_PLACES = (
    "Shaoxing, Zhejiang", "Meixian, Guangdong", "Yantai, Shandong", "Changde, Hunan",
    "Mianyang, Sichuan", "Quanzhou, Fujian", "Handan, Hebei", "Yangzhou, Jiangsu",
)  # fmt: skip
EDUCATION = (
    "BEng, transport engineering", "MBA", "BA, English", "MSc, logistics management",
    "BEc, international trade", "MEng, civil aviation", "BSc, computer science",
)  # fmt: skip
FAMILY = (
    "married, one daughter at university", "married, a son in middle school",
    "single", "married, two children", "married; parents live with them",
)  # fmt: skip
JOURNALS = (
    "China Civil Aviation", "Logistics Technology", "Harvard Business Review (Chinese)",
    "Airport Economics", "China Transport Review", "Caixin Weekly",
)  # fmt: skip
ASSOCIATIONS = (
    "China Civil Airports Association", "China Federation of Logistics & Purchasing",
    "Chamber of commerce of their native place", "Alumni association of their university",
)  # fmt: skip
EMPLOYERS = (
    "China Southern Airlines", "Sinotrans", "a provincial airport group", "COSCO Shipping",
    "SF Express", "a state-owned trading company", "Haier",
)  # fmt: skip


def personal_details(
    rng: random.Random, family: str, given: str, domain: str, today: date
) -> dict[str, Any]:
    """A key person's details; some people share more than others."""
    born = today - timedelta(days=365 * rng.randint(28, 60) + rng.randint(0, 364))
    employer = rng.choice(EMPLOYERS)
    details: dict[str, Any] = {
        "birth_date": born.isoformat(),
        "birthplace": rng.choice(CITIES),
        "native_place": rng.choice(NATIVE_PLACES),
        "education": rng.choice(EDUCATION),
        "school": rng.choice(SCHOOLS),
        "family": rng.choice(FAMILY),
        "hobbies": ", ".join(rng.sample(INTERESTS, 2)),
        "journals": rng.choice(JOURNALS),
        "associations": rng.choice(ASSOCIATIONS),
        "work_history": f"{rng.randint(3, 12)} years at {employer} before joining",
        "mobile": phone_number(rng),
        "office_phone": f"+86 {rng.choice(('10', '20', '21', '28'))} {rng.randint(5000, 8999)} "
        f"{rng.randint(1000, 9999)}",
        "emails": [f"{given}.{family}@{domain}".lower().replace(" ", "")],
    }
    for optional in ("journals", "associations", "family"):
        if rng.random() < 0.3:
            del details[optional]
    return details
