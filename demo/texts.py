"""What the demo's customers are called and what staff write about them."""

from __future__ import annotations

from dataclasses import dataclass


# ------------------------------------------------------------------ the texts
@dataclass(frozen=True)
class SegmentTexts:
    """What customers of one business unit are like and what staff write about them."""

    label: str
    companies: tuple[tuple[str, str], ...]  # (name pattern, industry)
    titles: dict[str, tuple[str, ...]]  # decision role -> job titles
    contact_topics: tuple[str, ...]
    follow_ups: tuple[str, ...]
    inquiries: tuple[tuple[str, str, str], ...]  # (title, question, answer)
    complaints: tuple[tuple[str, str, str, str], ...]  # (category, what, resolution, cause)
    visits: tuple[tuple[str, str, str, str, str], ...]  # (purpose, kind, summary, handled, pending)
    commitments: tuple[str, ...]
    opportunities: tuple[tuple[str, int, int], ...]  # (title, lowest, highest value in CNY)
    branches: tuple[str, ...]


COMMON_TITLES = {
    "advisor": ("Chief Financial Officer", "Chief Engineer", "Legal Counsel"),
    "gatekeeper": ("Procurement Manager", "Executive Assistant to the GM", "Purchasing Supervisor"),
    "coach": ("Deputy General Manager", "Customer Relations Manager", "Project Manager"),
}

TEXTS: dict[str, SegmentTexts] = {
    "airport": SegmentTexts(
        label="airport",
        companies=(
            ("{brand} Airlines", "airline"),
            ("{brand} Air Cargo Co., Ltd.", "air cargo"),
            ("{city} {brand} Ground Services", "ground handling"),
            ("{brand} Duty Free Co., Ltd.", "airport retail"),
            ("{brand} Aviation Catering", "in-flight catering"),
            ("{brand} International Logistics", "freight forwarding"),
            ("{city} {brand} Advertising Media", "airport advertising"),
        ),
        titles={
            "decision_maker": ("General Manager", "Station Manager", "VP Ground Operations"),
            "user": ("Duty Manager", "Operations Supervisor", "Cargo Terminal Manager"),
            **COMMON_TITLES,
        },
        contact_topics=(
            "Confirmed the winter-season slot allocation and the two new evening departures",
            "Went through last month's landing-fee invoice; they asked for an itemised breakdown",
            "Reviewed on-time performance at the remote stands",
            "They asked about extending the lounge lease in Terminal 2",
            "Explained the new security screening rules for crew",
            "Coordinated apron parking for the charter flights over the holiday peak",
            "Followed up on the baggage belt maintenance schedule",
            "Sent the draft contract for the ground-handling renewal",
            "They raised congestion at the cargo terminal on Monday mornings",
            "Invited them to the annual airline partners meeting",
            "Discussed the passenger flow forecast for the Spring Festival",
            "Agreed the check-in counter plan for the new route",
        ),
        follow_ups=(
            "Send the itemised invoice",
            "Share the weekly on-time performance report",
            "Confirm the parking stands in writing",
            "Book a meeting with terminal operations",
            "Send the draft lease amendment",
        ),
        inquiries=(
            (
                "Slot change",
                "Can the Friday 21:40 departure move to 22:15 for the summer season?",
                "Yes, 22:15 is free; the slot office confirms by email today.",
            ),
            (
                "Lounge access for a partner airline",
                "Do passengers of our codeshare partner get access to the T2 lounge?",
                "Yes, under the current agreement, with the codeshare boarding pass.",
            ),
            (
                "Cargo storage fees",
                "What is the daily storage fee for perishables after 48 hours?",
                "CNY 2.50 per kg per day after the free 48 hours; tariff sheet sent.",
            ),
            (
                "Airside pass renewal",
                "How long does renewing airside staff passes take?",
                "Five working days after the security check; submit the list in the pass portal.",
            ),
            (
                "Advertising space",
                "Is the LED wall in arrivals hall B free in the third quarter?",
                "July and August are free, September is booked; quotation follows.",
            ),
            (
                "Night curfew",
                "Are landings allowed after 00:30 for delayed flights?",
                "Only with prior approval from the duty manager; the form is attached.",
            ),
        ),
        complaints=(
            (
                "service",
                "Check-in counters reassigned at short notice; passengers queued over 40 minutes",
                "Counters 21-26 reserved for their flights; duty manager briefed",
                "Counter plan changed without telling the airline desk",
            ),
            (
                "billing",
                "Landing-fee invoice charged the wide-body rate for A320 flights",
                "Invoice reissued with the narrow-body rate; credit note sent",
                "Aircraft type mapping in the billing system was outdated",
            ),
            (
                "delivery",
                "Cargo released two hours after the agreed cut-off",
                "Extra shift at the cargo terminal on peak days; apology letter sent",
                "Staff shortage on the Monday morning shift",
            ),
            (
                "staff",
                "Security staff were rude to their crew at the staff channel",
                "Supervisor apologised; the team was retrained on crew handling",
                "New security staff not briefed on the crew channel procedure",
            ),
            (
                "safety",
                "Wet floor without warning signs near gate B12; a passenger slipped",
                "Cleaning contractor instructed; passenger's medical costs covered",
                "Cleaning contractor skipped the warning-sign step",
            ),
            (
                "quality",
                "Air-conditioning in their leased shop failed during peak hours",
                "Compressor replaced; rent reduced for the affected days",
                "Preventive maintenance of the unit was overdue",
            ),
        ),
        visits=(
            (
                "maintenance",
                "relationship_building",
                "Quarterly review of ground-handling KPIs with the station manager",
                "Explained the turnaround time figures",
                "They want a dedicated ramp supervisor",
            ),
            (
                "new_project",
                "relationship_building",
                "Presented the terminal expansion plan and their counter needs",
                "Collected their counter requirements for 2026",
                "Budget approval on their side",
            ),
            (
                "collection",
                "problem_handling",
                "Agreed a payment schedule for the overdue landing fees",
                "Payment plan signed for the overdue amount",
                "Late-payment interest still disputed",
            ),
            (
                "competitor_intel",
                "relationship_building",
                "They compared our handling rates with the neighbouring airport",
                "Clarified what our rate includes",
                "They expect a counter-offer",
            ),
            (
                "maintenance",
                "problem_handling",
                "Walked the cold-chain area of the cargo terminal with their logistics team",
                "Temperature logging shown to work",
                "Second cold room needed in summer",
            ),
            (
                "influence",
                "relationship_building",
                "Lunch with the general manager to discuss the partnership",
                "Good rapport with the GM",
                "Follow up on the route incentive scheme",
            ),
        ),
        commitments=(
            "Send the monthly on-time performance report",
            "Reserve two extra parking stands for the holiday charters",
            "Share the terminal expansion drawings",
            "Arrange a site visit for their new station manager",
        ),
        opportunities=(
            ("Ground-handling contract renewal", 2_000_000, 6_000_000),
            ("New route incentive: Chengdu-Bangkok daily", 500_000, 1_500_000),
            ("VIP lounge lease, Terminal 2", 800_000, 1_500_000),
            ("Cold-chain warehouse lease", 600_000, 2_400_000),
            ("Digital advertising package, arrivals hall", 300_000, 900_000),
        ),
        branches=("{city} station", "{city} cargo office", "{city} sales office"),
    ),
    "technology": SegmentTexts(
        label="technology",
        companies=(
            ("{brand} Software Co., Ltd.", "software"),
            ("{brand} Intelligent Manufacturing", "manufacturing"),
            ("{city} {brand} Information Technology", "IT services"),
            ("{brand} Semiconductor", "semiconductors"),
            ("{brand} Medical Devices", "healthcare"),
            ("{brand} Logistics Technology", "logistics"),
            ("{city} {brand} Commercial Bank", "banking"),
        ),
        titles={
            "decision_maker": ("Chief Information Officer", "General Manager", "CTO"),
            "user": ("IT Operations Manager", "ERP Key User", "Head of Production Planning"),
            **COMMON_TITLES,
        },
        contact_topics=(
            "Reviewed the ticket backlog of the ERP rollout",
            "They asked for a roadmap briefing on the data platform",
            "Discussed the licence true-up for the extra 40 users",
            "Agreed the maintenance window for the database upgrade",
            "Their CIO asked about on-premise deployment options",
            "Sent the security assessment report",
            "Checked how the new warehouse module is adopted",
            "Talked through the renewal terms for next year",
            "They reported slow report generation at month end",
            "Introduced the new customer success manager",
            "Explained the data migration plan for the legacy system",
            "Confirmed the training dates for their key users",
        ),
        follow_ups=(
            "Send the upgrade runbook",
            "Share the roadmap slides",
            "Quote the additional licences",
            "Schedule a performance review call",
            "Send the training materials",
        ),
        inquiries=(
            (
                "API rate limits",
                "What is the rate limit of the order API on the enterprise plan?",
                "1,000 requests per minute per tenant; it can be raised on request.",
            ),
            (
                "Data residency",
                "Is our data stored in mainland China only?",
                "Yes, in the Shanghai and Beijing data centres only.",
            ),
            (
                "Invoice copy",
                "Could you resend the VAT invoice of the March renewal?",
                "Sent to your finance mailbox just now.",
            ),
            (
                "Licence transfer",
                "Can a named licence move to a new employee?",
                "Yes, once per quarter per licence, from the admin console.",
            ),
            (
                "Training schedule",
                "When is the next key-user training in Shanghai?",
                "On the 18th and 19th; registration link sent.",
            ),
            (
                "Single sign-on",
                "Does the platform support SSO with our Active Directory?",
                "Yes, via SAML 2.0; the setup guide is attached.",
            ),
        ),
        complaints=(
            (
                "quality",
                "ERP module crashes when exporting the monthly inventory report",
                "Hotfix 9.2.3 installed; export tested with their data",
                "Memory limit too low for large exports",
            ),
            (
                "delivery",
                "Server rack delivery slipped by two weeks without notice",
                "Rack delivered and installed; logistics now sends weekly status",
                "Supplier delay not passed on to the customer",
            ),
            (
                "service",
                "Support hotline did not call back within the promised time",
                "Call-back done; escalation rule added to the hotline queue",
                "Ticket assigned to an absent engineer",
            ),
            (
                "billing",
                "Licence renewal invoiced for 120 seats instead of 100",
                "Invoice corrected to 100 seats; credit note issued",
                "Seat count copied from an old quotation",
            ),
            (
                "staff",
                "Implementation consultant changed three times in one month",
                "One named consultant assigned until go-live",
                "Consultant pool overbooked",
            ),
            (
                "safety",
                "UPS unit overheated in their machine room",
                "Unit replaced; all units of that batch inspected",
                "Faulty fan in one production batch",
            ),
        ),
        visits=(
            (
                "maintenance",
                "relationship_building",
                "Quarterly service review with the IT operations team",
                "Closed the open tickets together",
                "They want faster response on severity-2 tickets",
            ),
            (
                "new_project",
                "relationship_building",
                "Workshop on the factory MES rollout, phase 2",
                "Scope of phase 2 agreed in outline",
                "Integration with their PLM still open",
            ),
            (
                "market_research",
                "relationship_building",
                "Interviewed their planners about the reporting needs",
                "Collected twelve report requests",
                "Priorities to be set by their CIO",
            ),
            (
                "competitor_intel",
                "relationship_building",
                "They are evaluating a competitor's cloud ERP",
                "Showed our migration path and costs",
                "They want a reference customer visit",
            ),
            (
                "maintenance",
                "problem_handling",
                "On-site check of the slow month-end reports",
                "Two database indexes added",
                "Archive of old data needs their approval",
            ),
            (
                "collection",
                "problem_handling",
                "Discussed the unpaid maintenance invoice",
                "Payment date agreed",
                "Purchase order renewal pending",
            ),
        ),
        commitments=(
            "Deliver the performance tuning report",
            "Arrange a reference visit at a similar customer",
            "Send a quotation for the extra licences",
            "Provide a sandbox for the new module",
        ),
        opportunities=(
            ("ERP upgrade to version 9", 800_000, 2_500_000),
            ("Data platform pilot", 300_000, 900_000),
            ("Three-year maintenance renewal", 400_000, 1_200_000),
            ("Factory MES rollout, phase 2", 1_500_000, 4_000_000),
            ("Cloud migration of the CRM", 500_000, 1_600_000),
        ),
        branches=("{city} plant", "{city} R&D centre", "{city} regional office"),
    ),
    "real_estate": SegmentTexts(
        label="real estate",
        companies=(
            ("{brand} Retail Group", "retail"),
            ("{city} {brand} Catering Management", "catering"),
            ("{brand} Fitness Co., Ltd.", "fitness"),
            ("{brand} Education Technology", "education"),
            ("{brand} Property Services", "property management"),
            ("{city} {brand} Trading Co., Ltd.", "trading"),
        ),
        titles={
            "decision_maker": ("Chairman", "General Manager", "Head of Expansion"),
            "user": ("Store Manager", "Office Manager", "Facilities Manager"),
            **COMMON_TITLES,
        },
        contact_topics=(
            "Explained the handover schedule for tower 3",
            "They asked about the status of the mortgage approval",
            "Discussed the renovation rules for the leased unit",
            "Reminded them of the rent review in the third quarter",
            "Confirmed the parking space allocation",
            "They asked when the property certificate will be issued",
            "Went through the defects list from the pre-handover inspection",
            "Agreed the fit-out period for the new shop",
            "Discussed the shopping-centre marketing calendar",
            "Sent the service-charge budget for next year",
            "Followed up on the noise from the construction site next door",
            "Confirmed the key collection appointment",
        ),
        follow_ups=(
            "Send the handover checklist",
            "Confirm the fit-out dates in writing",
            "Share the marketing calendar",
            "Ask the registry about the certificate date",
            "Send the parking contract",
        ),
        inquiries=(
            (
                "Property certificate",
                "When will the certificates for building 5 be issued?",
                "The registry expects the end of next month; we will notify you by SMS.",
            ),
            (
                "Renovation permit",
                "Do we need a permit to move an internal wall?",
                "Yes, from property management; non-load-bearing walls only.",
            ),
            (
                "Parking space",
                "Can we rent two more parking spaces in the basement?",
                "Yes, B2 has spaces at CNY 450 a month each; contract sent.",
            ),
            (
                "Rent invoice",
                "Why does this month's invoice include a service charge adjustment?",
                "It is the annual true-up of last year's service charges; breakdown attached.",
            ),
            (
                "School district",
                "Which primary school is the project assigned to?",
                "The Experimental Primary School; the education bureau notice is attached.",
            ),
            (
                "Opening hours",
                "May our shop stay open until 23:00 on weekends?",
                "Yes, from Friday to Sunday, with the late-opening form.",
            ),
        ),
        complaints=(
            (
                "quality",
                "Water leaking from the bathroom ceiling of the unit",
                "Upstairs pipe joint replaced; ceiling repaired and repainted",
                "Faulty pipe joint installed by the plumbing subcontractor",
            ),
            (
                "delivery",
                "Handover of the unit postponed again without written notice",
                "New handover date confirmed in writing; compensation per contract paid",
                "Fire inspection delay not communicated",
            ),
            (
                "service",
                "No response to the lift breakdown for two hours",
                "Lift repaired; response time rule posted at the service desk",
                "Service desk phone forwarded to an unattended line",
            ),
            (
                "billing",
                "Service charge billed from the contract date instead of handover",
                "Charges recalculated from the handover date; refund paid",
                "Billing start date taken from the wrong field",
            ),
            (
                "staff",
                "Sales consultant promised a parking space that is not in the contract",
                "Parking space offered at the launch price",
                "Consultant not trained on the contract terms",
            ),
            (
                "safety",
                "Fire exit in the basement blocked by construction materials",
                "Materials removed; daily fire-exit check added",
                "Contractor used the exit as a storage area",
            ),
        ),
        visits=(
            (
                "maintenance",
                "relationship_building",
                "Met the store manager to review footfall and sales",
                "Shared the footfall figures",
                "They want better signage from the car park",
            ),
            (
                "new_customer",
                "first_visit",
                "Showed the show flat and the community facilities",
                "Answered questions on the payment plan",
                "Decision after the family discussion",
            ),
            (
                "new_project",
                "relationship_building",
                "Presented the second-phase shops to their expansion team",
                "Shortlisted three units",
                "Rent level still too high for them",
            ),
            (
                "collection",
                "problem_handling",
                "Discussed the overdue rent for two months",
                "Instalment plan agreed",
                "Late fee waiver pending approval",
            ),
            (
                "maintenance",
                "problem_handling",
                "Joint inspection of the defects in the unit",
                "Eight of eleven defects closed",
                "Window seal and two doors to be fixed",
            ),
            (
                "influence",
                "relationship_building",
                "Tea with the chairman to discuss a long-term lease",
                "Interest in a ten-year lease confirmed",
                "Board approval on their side",
            ),
        ),
        commitments=(
            "Fix the remaining defects",
            "Send the parking contract",
            "Install additional signage at the car park entrance",
            "Provide the fit-out manual",
        ),
        opportunities=(
            ("Lease of retail unit L2-15", 300_000, 900_000),
            ("Three-bedroom unit, tower 6", 2_800_000, 5_500_000),
            ("Office floor lease, 18th floor", 1_200_000, 3_000_000),
            ("Second-phase shop purchase", 1_500_000, 4_500_000),
            ("Parking space package, ten spaces", 800_000, 1_500_000),
        ),
        branches=("{city} store", "{city} branch office", "{city} outlet"),
    ),
}

BRANDS = (
    "Huaxia", "Donghai", "Jinling", "Tianfu", "Yunhai", "Xiangjiang", "Changjiang",
    "Minjiang", "Haixin", "Zhongyuan", "Lingnan", "Qilu", "Hengtai", "Ruixiang",
    "Fengyuan", "Boya", "Jiahe", "Xinghai", "Longteng", "Anda", "Huamei", "Kaiyuan",
    "Shengshi", "Baorun", "Yida", "Zhongtian", "Hongda", "Jinqiao", "Tianyu",
    "Chuangxin", "Weilai", "Hexie", "Guangyao", "Mingde", "Shunfeng", "Taihe",
    "Xinyuan", "Dongfang", "Huayu", "Lianchuang",
)  # fmt: skip
CITIES = (
    "Beijing", "Shanghai", "Guangzhou", "Shenzhen", "Chengdu", "Hangzhou", "Wuhan",
    "Xi'an", "Nanjing", "Chongqing", "Xiamen", "Kunming", "Qingdao", "Tianjin",
    "Changsha", "Haikou", "Shenyang", "Zhengzhou", "Hefei", "Fuzhou",
)  # fmt: skip
FAMILY_NAMES = (
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
    "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Gao", "Lin", "Luo", "Zheng", "Liang", "Xie",
    "Song", "Tang", "Han", "Feng", "Deng", "Cao", "Peng",
)  # fmt: skip
GIVEN_NAMES = (
    "Wei", "Fang", "Min", "Jing", "Lei", "Qiang", "Jun", "Yang", "Yong", "Yan", "Jie",
    "Tao", "Ming", "Chao", "Xiuying", "Xia", "Ping", "Gang", "Hui", "Haiyan", "Xiaoming",
    "Jianguo", "Lili", "Dan", "Ning", "Yu", "Hao", "Ting", "Xin", "Bo",
)  # fmt: skip
INTERESTS = ("golf", "calligraphy", "tea", "hiking", "badminton", "photography", "Go (weiqi)")
SCHOOLS = ("Tsinghua", "Fudan", "Zhejiang University", "Sun Yat-sen University", "Wuhan University")

CONTACT_ENDINGS = (
    "they agreed",
    "they will confirm internally",
    "no open issues",
    "to be picked up again next month",
    "the GM was copied",
    "they were satisfied with the answer",
    "waiting for their written feedback",
)
CHANNEL_WEIGHTS = {
    "phone": 40,
    "email": 25,
    "message": 15,
    "meeting": 10,
    "web": 4,
    "letter": 3,
    "other": 2,
    "fax": 1,
}
OUTCOME_WEIGHTS = {"A": 15, "B": 30, "C": 30, "D": 5, "E": 20}
EXPENSES = (
    ("taxi", 35, 160),
    ("high-speed rail ticket", 150, 650),
    ("business lunch", 180, 900),
    ("gift: tea set", 200, 600),
    ("hotel, one night", 350, 780),
    ("parking", 10, 60),
)
LEAD_SOURCES = ("referral from a customer", "trade fair", "web form", "visit", "tender notice")
LOSS_REASONS = (
    "price above their budget",
    "competitor offered a longer payment term",
    "project postponed to next year",
    "they chose an in-house solution",
    "new general manager froze all purchases",
)
HANDOVER_REASONS = (
    "workload rebalanced across the segment team",
    "customer grew: the key-account manager takes over",
    "previous owner moved to the new-projects team",
)
ASSESSMENT_NOTES = {
    "positive": ("supports our proposal internally", "good rapport after the last visit"),
    "neutral": ("polite but non-committal", "new in the role, still forming a view"),
    "negative": ("feels we ignore their requests", "prefers the competitor's offer"),
}
TERMINATIONS = (
    (
        "moved all services to a competitor after repeated delivery delays",
        "two late deliveries and a complaint resolved days late; no owner for five "
        "weeks during the team reorganisation",
    ),
    (
        "relocated the business to another province",
        "we have no service presence in the new location; the relationship was healthy",
    ),
    (
        "contract not renewed over price",
        "competitor undercut the renewal by 15%; our value was never shown to the new CFO",
    ),
)
REPAIR_PLANS = (
    "new owner; monthly review with the GM; 10% discount on the first renewal; "
    "dedicated support line",
    "senior account manager assigned; quarterly executive meeting; service credits for "
    "the delayed deliveries",
)
