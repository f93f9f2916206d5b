"""Large, realistic import files for `ledger import` (docs/import.md lists the columns).

    python -m benchmarks.import_data --rows 1000000 --out DIR [--seed 7] [--defects]

A customer has on average 50 rows across the files: about 3 key people (a
third of them with some of form 2's personal details: phones, date of birth,
birthplace, school, hobbies), 28
contacts, 6 visits (with expenses, problems raised and later handled, promises),
4 inquiries (most answered), 3 complaints (acknowledged, some paused and resumed,
most resolved with a root cause, a few reopened), an escalation now and then, 2
leads or opportunities (moving through stages, won or lost) and 2 or 3
satisfaction scores. So 1,000,000 rows are about 20,000 customers. Names and
texts are Chinese; customers spread over six segments, each with a head and
account managers (`staff_accounts.csv`: the accounts to create before importing,
which an import never creates).

Files are written as a real export would be: `customers.csv` in UTF-8 with a
byte-order mark, `contacts.csv` in GB18030, `visits.csv` in GB18030 and
tab-separated, the rest in UTF-8. The same seed gives the same bytes. Rows are
made customer by customer and written at once, so memory stays flat whatever
`--rows` is.

With `--defects`, about one row in 200 is spoiled in a way the import must reject
(a bad date, an unknown customer, person or staff id, an unknown channel, a
complaint resolved before it was filed), and `expected_rejects.csv` lists each
spoiled row's file, line and defect, for tests.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

ROWS_PER_CUSTOMER = 50
EARLIEST = datetime(2019, 1, 1, 8, 0)
# The history ends here, whatever day it is generated on (same seed, same bytes).
LATEST = datetime(2025, 12, 31, 18, 0)
DEFECT_EVERY = 200
# Only about one key person in ninety is met by no contact or visit, and only those
# may be spoiled (`generate`): they are spoiled more often, so that a spoiled set
# of a few thousand rows has some.
PERSON_DEFECT_EVERY = 4

SEGMENTS = ("airport", "technology", "real_estate", "manufacturing", "healthcare", "logistics")
STAFF_PER_SEGMENT = 9  # a head and eight account managers

FAMILY = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
)
GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "晓东", "雪梅", "海燕",
    "国庆", "文博", "子涵", "思远", "佳怡", "宇航", "欣怡", "浩然", "梓萱",
)  # fmt: skip
PINYIN_FAMILY = (
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun",
    "ma", "zhu", "hu", "guo", "he", "gao", "lin", "luo",
)  # fmt: skip
PINYIN_GIVEN = (
    "wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan",
    "jie", "juan", "tao", "ming", "chao", "xia", "ping", "gang",
)  # fmt: skip
CITIES = (
    "北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京", "重庆", "天津",
    "苏州", "长沙", "郑州", "青岛", "沈阳", "宁波", "昆明", "大连", "厦门", "合肥", "福州",
    "济南", "哈尔滨", "长春", "石家庄", "南宁", "贵阳", "太原", "乌鲁木齐",
)  # fmt: skip
BRANDS = (
    "华信", "中联", "鸿运", "瑞丰", "金盛", "宏达", "天成", "恒通", "联创", "东方", "新世纪",
    "博远", "汇丰", "永泰", "盛世", "同创", "嘉禾", "正大", "安泰", "凯旋", "星辰", "海纳",
    "德润", "广源", "隆基", "卓越", "景明", "鼎盛", "安信", "中科", "启明", "远航", "和信",
    "百川", "长青", "万象", "九州", "华夏", "银河", "四海",
)  # fmt: skip
TRADES = {
    "airport": ("航空服务", "机场地勤", "航空货运", "航空配餐"),
    "technology": ("信息技术", "软件", "数据科技", "智能系统"),
    "real_estate": ("置业", "地产开发", "物业管理", "商业地产"),
    "manufacturing": ("机械制造", "精密仪器", "新材料", "汽车零部件"),
    "healthcare": ("医疗器械", "生物医药", "健康管理", "医药流通"),
    "logistics": ("物流", "供应链管理", "国际货运", "仓储服务"),
}
SUFFIXES = ("有限公司", "股份有限公司", "集团有限公司", "科技有限公司")
TITLES = (
    "采购经理", "总经理", "技术总监", "运营主管", "财务经理", "项目经理", "副总裁", "行政主管",
)  # fmt: skip
DECISION_ROLES = ("decision_maker", "advisor", "user", "gatekeeper", "coach")
CHANNELS = ("phone", "phone", "phone", "email", "email", "meeting", "message", "web", "fax")
CONTACT_TOPICS = (
    "确认下季度采购计划", "跟进合同续签事宜", "沟通交付进度", "介绍新产品方案",
    "了解使用反馈", "协调售后服务安排", "讨论价格调整", "邀请参加年度客户大会",
    "核对发票与付款", "回访设备运行情况",
)  # fmt: skip
FOLLOW_UPS = ("发送报价单", "安排技术交流", "提供样品", "寄送合同草稿", "确认培训时间")
PURPOSES = (
    "market_research", "competitor_intel", "maintenance", "new_customer", "new_project",
    "influence", "collection",
)  # fmt: skip
VISIT_KINDS = ("first_visit", "problem_handling", "relationship_building")
OUTCOMES = ("A", "B", "B", "C", "C", "C", "D", "E", "E")
PROBLEMS = (
    "备件交付延迟", "系统接口不稳定", "发票信息有误", "培训资料不足", "现场响应慢",
    "设备噪音偏大", "报表数据不一致", "付款周期过长",
)  # fmt: skip
EXPENSES = ("出租车", "午餐", "晚餐", "住宿", "高铁", "礼品")
INQUIRY_TITLES = (
    "询问报价", "咨询交货期", "询问保修条款", "咨询升级方案", "询问发票开具", "咨询培训安排",
)  # fmt: skip
COMPLAINT_CATEGORIES = ("service", "quality", "billing", "delivery", "staff", "safety", "other")
SEVERITIES = ("low", "medium", "medium", "medium", "high", "critical")
COMPLAINT_TEXTS = (
    "货物到达时包装破损", "服务人员未按约定时间到场", "发票金额与合同不符", "设备运行三天后故障",
    "客服电话长时间无人接听", "交付的配件型号错误", "安装现场存在安全隐患",
)  # fmt: skip
# Chinese text is punctuated with full-width marks.
COMMA = "\uff0c"
ACKNOWLEDGEMENT = f"已收到{COMMA}正在处理。"
ROOT_CAUSES = ("仓库打包流程缺失", "排班系统错误", "合同录入错误", "供应商来料缺陷", "人手不足")
STAGES = ("qualification", "needs_analysis", "proposal", "negotiation", "contracting")
LEAD_SOURCES = ("展会", "官网留言", "老客户推荐", "电话营销", "行业协会")
SCHOOLS = ("北京大学", "清华大学", "复旦大学", "浙江大学", "南京大学", "武汉大学", "中山大学")
HOBBIES = ("高尔夫", "书法", "围棋", "摄影", "钓鱼", "登山", "茶艺")
OPPORTUNITY_TITLES = ("年度服务合同", "设备升级项目", "新园区配套", "系统集成项目", "备件框架协议")

# The files, in the order `ledger import` is given them, with their columns (as
# docs/import.md names them) and how each is written.
FILES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "customers": (
        ("customer_id", "name", "registered_at", "kind", "industry", "segment",
         "headquarters", "tier", "vip", "stage", "owner", "registered_by"),
        "utf-8-sig", ",",
    ),
    "people": (
        ("customer", "person_id", "name", "decision_role", "added_at", "title",
         "relationship_status", "counterpart", "staff", "mobile", "emails", "office_phone",
         "home_phone", "birth_date", "birthplace", "school", "hobbies"),
        "utf-8", ",",
    ),
    "opportunities": (
        ("customer", "opportunity_id", "created_at", "staff", "title", "source", "note",
         "opened_at", "stage", "value", "currency", "expected_close", "stages", "outcome",
         "closed_at", "close_reason", "won_value"),
        "utf-8", ",",
    ),
    "inquiries": (
        ("customer", "inquiry_id", "received_at", "staff", "channel", "title", "question",
         "answered_at", "answer", "answered_by"),
        "utf-8", ",",
    ),
    "complaints": (
        ("customer", "complaint_id", "filed_at", "staff", "category", "channel", "description",
         "severity", "acknowledged_at", "acknowledgement", "paused_at", "pause_reason",
         "resumed_at", "resolved_at", "resolution", "root_cause", "reopened_at",
         "reopen_reason"),
        "utf-8", ",",
    ),
    "escalations": (
        ("customer", "escalation_id", "case", "case_kind", "raised_at", "staff", "level", "to",
         "reason", "resolved_at", "resolution"),
        "utf-8", ",",
    ),
    "contacts": (
        ("customer", "contact_id", "occurred_at", "staff", "channel", "direction", "summary",
         "people", "follow_ups"),
        "gb18030", ",",
    ),
    "visits": (
        ("customer", "visit_id", "visited_at", "visitor", "purpose", "kind", "outcome",
         "summary", "companions", "people_met", "expenses", "problems_handled",
         "problems_pending", "commitments"),
        "gb18030", "\t",
    ),
    "satisfaction": (
        ("customer", "score_id", "recorded_at", "staff", "score", "source", "note"),
        "utf-8", ",",
    ),
}  # fmt: skip
STAFF_FILE = "staff_accounts.csv"
EXPECTED_REJECTS = "expected_rejects.csv"


@dataclass(frozen=True)
class Member:
    staff_id: str
    name: str
    role: str
    segment: str


def staff_of(segment: str) -> list[Member]:
    """A segment's head (first) and account managers: ids `<segment>.<pinyin><n>`."""
    rng = random.Random(f"import-data/staff/{segment}")
    members = []
    for n in range(STAFF_PER_SEGMENT):
        pinyin = f"{rng.choice(PINYIN_FAMILY)}.{rng.choice(PINYIN_GIVEN)}{n + 1}"
        name = rng.choice(FAMILY) + rng.choice(GIVEN)
        role = "segment_head" if n == 0 else "staff"
        members.append(Member(f"{segment[:4]}.{pinyin}", name, role, segment))
    return members


STAFF = {segment: staff_of(segment) for segment in SEGMENTS}


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def customer_name(index: int) -> str:
    """A unique company name for each index (a permutation of the name space, so
    neighbours differ and no set of used names is kept)."""
    trades = 4
    space = len(CITIES) * len(BRANDS) * trades * len(SUFFIXES)
    rounds, n = divmod(index, space)
    n = (n * 7919 + 104729) % space  # 7919 is prime and divides no factor of `space`
    n, suffix = divmod(n, len(SUFFIXES))
    n, trade = divmod(n, trades)
    city, brand = divmod(n, len(BRANDS))
    segment = SEGMENTS[index % len(SEGMENTS)]
    extra = f"第{rounds + 1}分公司" if rounds else ""
    return f"{CITIES[city]}{BRANDS[brand]}{TRADES[segment][trade]}{SUFFIXES[suffix]}{extra}"


@dataclass
class Customer:
    """One customer's rows, made together so that they agree with each other."""

    index: int
    rng: random.Random
    segment: str
    external_id: str
    registered: datetime
    owner: Member
    team: list[Member]
    people: list[str] = field(default_factory=list)
    rows: dict[str, list[list[str]]] = field(default_factory=dict)

    def add(self, kind: str, values: dict[str, Any]) -> None:
        columns = FILES[kind][0]
        self.rows.setdefault(kind, []).append([str(values.get(c, "")) for c in columns])

    def some_time(self, after: datetime, within_days: float) -> datetime:
        """A time some minutes to `within_days` days after `after`, in office hours
        when that keeps it after `after`."""
        moment = after + timedelta(minutes=self.rng.randint(30, max(31, int(within_days * 1440))))
        moment = moment.replace(minute=moment.minute - moment.minute % 5)
        if not 8 <= moment.hour < 19:
            moment = moment.replace(hour=8 + moment.hour % 11)
        return min(max(moment, after + timedelta(minutes=5)), LATEST)

    def worker(self) -> Member:
        """Who records a piece of work: mostly the owner, sometimes the segment's
        head. Not another account manager: staff may record only on customers
        they own or have worked on already (ledger/access.py), so an import
        rejects a colleague's first record."""
        return self.owner if self.rng.random() < 0.8 else self.team[0]


def make_customer(seed: int, index: int) -> Customer:
    rng = random.Random(f"import-data/{seed}/{index}")
    segment = SEGMENTS[index % len(SEGMENTS)]
    team = STAFF[segment]
    span = (LATEST - timedelta(days=540) - EARLIEST).days
    registered = EARLIEST + timedelta(days=rng.randrange(span), hours=rng.randrange(9))
    customer = Customer(
        index=index,
        rng=rng,
        segment=segment,
        external_id=f"KH{index + 1:07d}",
        registered=registered,
        owner=rng.choice(team[1:]),
        team=team,
    )
    _customer_row(customer)
    _people(customer)
    _opportunities(customer)
    cases = _inquiries(customer) + _complaints(customer)
    _escalations(customer, cases)
    _contacts(customer)
    _visits(customer)
    _satisfaction(customer)
    return customer


def _count(rng: random.Random, mean: float) -> int:
    """A count around `mean` (never negative), spread as a real book of customers is."""
    return max(0, round(rng.gauss(mean, mean / 2)))


def _customer_row(c: Customer) -> None:
    rng = c.rng
    c.add(
        "customers",
        {
            "customer_id": c.external_id,
            "name": customer_name(c.index),
            "registered_at": when(c.registered),
            "kind": "organisation",
            "industry": TRADES[c.segment][c.index % 4],
            "segment": c.segment,
            "headquarters": rng.choice(CITIES),
            "tier": "strategic" if rng.random() < 0.15 else "general",
            "vip": "是" if rng.random() < 0.1 else "否",
            "stage": rng.choice(("prospect", "development", "growth", "growth", "maturity")),
            "owner": c.owner.staff_id,
            "registered_by": c.team[0].staff_id,
        },
    )


def _people(c: Customer) -> None:
    rng = c.rng
    for n in range(max(1, _count(rng, 3))):
        person_id = f"{c.external_id}-P{n + 1}"
        c.people.append(person_id)
        c.add(
            "people",
            {
                "customer": c.external_id,
                "person_id": person_id,
                "name": rng.choice(FAMILY) + rng.choice(GIVEN),
                "decision_role": DECISION_ROLES[0] if n == 0 else rng.choice(DECISION_ROLES),
                "added_at": when(c.registered + timedelta(minutes=10 * (n + 1))),
                "title": rng.choice(TITLES),
                "relationship_status": rng.choice(("positive", "neutral", "not_established")),
                "counterpart": c.owner.staff_id,
                "staff": c.owner.staff_id,
                "mobile": f"1{rng.randint(30, 89)}{rng.randint(10000000, 99999999)}"
                if rng.random() < 0.5
                else "",
                "emails": f"{person_id.lower()}@example.cn" if rng.random() < 0.3 else "",
                **_personal(rng),
            },
        )


def _personal(rng: random.Random) -> dict[str, str]:
    """Form 2's other personal details, as a CRM holds them: for about a third of
    the people, some of them (each sealed by the import, and checked as `person
    add` checks it)."""
    if rng.random() >= 0.35:
        return {}
    born = EARLIEST.date() - timedelta(days=rng.randint(25 * 365, 60 * 365))
    found = {
        "office_phone": f"0{rng.randint(10, 29)}-{rng.randint(10000000, 99999999)}",
        "home_phone": f"+86 {rng.randint(10, 29)} {rng.randint(20000000, 89999999)}",
        "birth_date": born.isoformat(),
        "birthplace": rng.choice(CITIES),
        "school": rng.choice(SCHOOLS),
        "hobbies": "、".join(rng.sample(HOBBIES, k=rng.randint(1, 3))),
    }
    return {k: val for k, val in found.items() if rng.random() < 0.6}


def _after_people(c: Customer) -> datetime:
    return c.registered + timedelta(hours=2)


def _opportunities(c: Customer) -> None:
    rng = c.rng
    for n in range(_count(rng, 2)):
        created = c.some_time(_after_people(c), (LATEST - c.registered).days * 0.8)
        staff = c.worker().staff_id
        row: dict[str, Any] = {
            "customer": c.external_id,
            "opportunity_id": f"{c.external_id}-O{n + 1}",
            "created_at": when(created),
            "staff": staff,
            "title": rng.choice(OPPORTUNITY_TITLES),
            "currency": "CNY",
            "value": f"{rng.randint(5, 500) * 10000}.00",
        }
        opened = created
        if rng.random() < 0.5:
            row["source"] = rng.choice(LEAD_SOURCES)
            row["note"] = "客户有明确预算"
            if rng.random() < 0.3:
                c.add("opportunities", row)  # still a lead
                continue
            opened = c.some_time(created, 20)
            row["opened_at"] = when(opened)
        row["stage"] = "qualification"
        moves, moment = [], opened
        for stage in STAGES[1 : 1 + rng.randint(0, 4)]:
            moment = c.some_time(moment, 30)
            moves.append(f"{stage}@{when(moment)}")
        row["stages"] = "; ".join(moves)
        # Forecast when it opened, and still ahead at its last move.
        row["expected_close"] = day(moment + timedelta(days=rng.randint(30, 180)))
        if rng.random() < 0.6:
            won = rng.random() < 0.5
            row["outcome"] = "won" if won else "lost"
            row["closed_at"] = when(c.some_time(moment, 30))
            lost_because = rng.choice(("价格偏高", "选择了竞争对手"))
            row["close_reason"] = "签订正式合同" if won else lost_because
        c.add("opportunities", row)


def _inquiries(c: Customer) -> list[tuple[str, str, datetime, datetime | None]]:
    rng, cases = c.rng, []
    for n in range(_count(rng, 4)):
        received = c.some_time(_after_people(c), (LATEST - c.registered).days * 0.9)
        staff = c.worker().staff_id
        inquiry_id = f"{c.external_id}-I{n + 1}"
        row: dict[str, Any] = {
            "customer": c.external_id,
            "inquiry_id": inquiry_id,
            "received_at": when(received),
            "staff": staff,
            "channel": rng.choice(CHANNELS),
            "title": rng.choice(INQUIRY_TITLES),
            "question": "请尽快回复具体方案和时间安排。",
        }
        answered = None
        if rng.random() < 0.85:
            answered = c.some_time(received, rng.choice((0.2, 1, 3, 10)))
            row |= {"answered_at": when(answered), "answer": "已电话说明并发送资料。"}
        c.add("inquiries", row)
        cases.append(("inquiry", inquiry_id, received, answered))
    return cases


def _complaints(c: Customer) -> list[tuple[str, str, datetime, datetime | None]]:
    rng, cases = c.rng, []
    for n in range(_count(rng, 3)):
        filed = c.some_time(_after_people(c), (LATEST - c.registered).days * 0.9)
        complaint_id = f"{c.external_id}-T{n + 1}"
        row: dict[str, Any] = {
            "customer": c.external_id,
            "complaint_id": complaint_id,
            "filed_at": when(filed),
            "staff": c.worker().staff_id,
            "category": rng.choice(COMPLAINT_CATEGORIES),
            "channel": rng.choice(CHANNELS),
            "description": rng.choice(COMPLAINT_TEXTS),
            "severity": rng.choice(SEVERITIES),
        }
        # Escalations are raised in the first hours, while the case is plainly open.
        moment = filed + timedelta(hours=6)
        if rng.random() < 0.9:
            moment = c.some_time(moment, 1)
            row |= {"acknowledged_at": when(moment), "acknowledgement": ACKNOWLEDGEMENT}
        if rng.random() < 0.25:
            paused = c.some_time(moment, 2)
            resumed = c.some_time(paused, 5)
            row |= {
                "paused_at": when(paused),
                "pause_reason": "等待客户提供照片",
                "resumed_at": when(resumed),
            }
            moment = resumed
        resolved = None
        if rng.random() < 0.8:
            resolved = c.some_time(moment, rng.choice((1, 3, 7, 20)))
            row |= {
                "resolved_at": when(resolved),
                "resolution": "已更换并补偿运费",
                "root_cause": rng.choice(ROOT_CAUSES),
            }
            if rng.random() < 0.05:
                row |= {
                    "reopened_at": when(c.some_time(resolved, 10)),
                    "reopen_reason": "问题再次出现",
                }
        c.add("complaints", row)
        cases.append(("complaint", complaint_id, filed, resolved))
    return cases


def _escalations(c: Customer, cases: list[tuple[str, str, datetime, datetime | None]]) -> None:
    rng, n = c.rng, 0
    for kind, case_id, opened, closed in cases:
        if rng.random() >= 0.12:
            continue
        n += 1
        raised = opened + timedelta(hours=rng.randint(1, 5))
        if closed is not None and raised >= closed:
            continue
        row: dict[str, Any] = {
            "customer": c.external_id,
            "escalation_id": f"{c.external_id}-E{n}",
            "case": case_id,
            "case_kind": kind,
            "raised_at": when(raised),
            "staff": c.owner.staff_id,
            "level": rng.choice((1, 1, 1, 2, 3)),
            "to": c.team[0].name,
            "reason": "客户要求上级介入",
        }
        resolved = raised + timedelta(minutes=rng.randint(10, 300))
        if closed is None or resolved < closed:
            row |= {"resolved_at": when(resolved), "resolution": "主管已电话安抚并跟进"}
        c.add("escalations", row)


def _contacts(c: Customer) -> None:
    rng = c.rng
    moments = sorted(
        c.some_time(_after_people(c), (LATEST - c.registered).days) for _ in range(_count(rng, 28))
    )
    for n, moment in enumerate(moments):
        met = rng.sample(c.people, k=min(len(c.people), rng.choice((0, 1, 1, 2))))
        c.add(
            "contacts",
            {
                "customer": c.external_id,
                "contact_id": f"{c.external_id}-C{n + 1}",
                "occurred_at": when(moment),
                "staff": c.worker().staff_id,
                "channel": rng.choice(CHANNELS),
                "direction": rng.choice(("inbound", "outbound", "outbound")),
                "summary": rng.choice(CONTACT_TOPICS),
                "people": ";".join(met),
                "follow_ups": rng.choice(FOLLOW_UPS) if rng.random() < 0.1 else "",
            },
        )


def _visits(c: Customer) -> None:
    rng = c.rng
    moments = sorted(
        c.some_time(_after_people(c), (LATEST - c.registered).days) for _ in range(_count(rng, 6))
    )
    pending: list[str] = []
    for n, moment in enumerate(moments):
        visitor = c.worker()
        handled = [p for p in pending if rng.random() < 0.6]
        pending = [p for p in pending if p not in handled]
        raised = [p for p in rng.sample(PROBLEMS, k=rng.choice((0, 0, 1, 2))) if p not in pending]
        pending += raised
        promise = ""
        if rng.random() < 0.3:
            promise = f"{rng.choice(FOLLOW_UPS)}@{day(moment + timedelta(days=rng.randint(3, 21)))}"
        c.add(
            "visits",
            {
                "customer": c.external_id,
                "visit_id": f"{c.external_id}-V{n + 1}",
                "visited_at": when(moment),
                "visitor": visitor.staff_id,
                "purpose": rng.choice(PURPOSES),
                "kind": VISIT_KINDS[0] if n == 0 else rng.choice(VISIT_KINDS[1:]),
                "outcome": rng.choice(OUTCOMES),
                "summary": f"拜访{rng.choice(TITLES)}{COMMA}{rng.choice(CONTACT_TOPICS)}。",
                "companions": rng.choice([m for m in c.team if m != visitor]).staff_id
                if rng.random() < 0.2
                else "",
                "people_met": ";".join(rng.sample(c.people, k=min(len(c.people), 1))),
                "expenses": "; ".join(
                    f"{item}={rng.randint(20, 800)}.{rng.randint(0, 99):02d}"
                    for item in rng.sample(EXPENSES, k=rng.randint(0, 2))
                ),
                "problems_handled": ";".join(handled),
                "problems_pending": ";".join(raised),
                "commitments": promise,
            },
        )


def _satisfaction(c: Customer) -> None:
    rng = c.rng
    for n in range(_count(rng, 2.5)):
        c.add(
            "satisfaction",
            {
                "customer": c.external_id,
                "score_id": f"{c.external_id}-S{n + 1}",
                "recorded_at": when(c.some_time(_after_people(c), (LATEST - c.registered).days)),
                "staff": c.worker().staff_id,
                "score": rng.choice((3, 4, 4, 5, 5, 2, 1)),
                "source": rng.choice(("survey", "spot_check")),
                "note": "对响应速度满意" if rng.random() < 0.5 else "",
            },
        )


# ------------------------------------------------------------------ defects

DEFECTS = (
    "bad date",
    "unknown customer",
    "unknown person",
    "unknown staff",
    "unknown channel",
    "resolved before filed",
)


def spoil(kind: str, row: list[str], defect: str) -> bool:
    """Spoil `row` (of `kind`) with `defect` if the row has what it needs; say if it did."""
    columns = FILES[kind][0]

    def set_(column: str, value: str) -> bool:
        if column not in columns:
            return False
        row[columns.index(column)] = value
        return True

    if defect == "bad date":
        time_column = next((c for c in columns if c.endswith(("_at",))), "")
        return set_(time_column, "2024-13-45 25:61")
    if defect == "unknown customer":
        return kind != "customers" and set_("customer", "KH-NO-SUCH")
    if defect == "unknown person":
        return set_("people", "NO-SUCH-PERSON") or set_("people_met", "NO-SUCH-PERSON")
    if defect == "unknown staff":
        return set_("staff", "nobody.here") or set_("visitor", "nobody.here")
    if defect == "unknown channel":
        return set_("channel", "carrier pigeon")
    if defect == "resolved before filed" and kind == "complaints":
        return set_("resolved_at", "2018-01-01 09:00") and set_("resolution", "已处理")
    return False


# ------------------------------------------------------------------ writing


@dataclass
class Written:
    rows: dict[str, int] = field(default_factory=dict)
    customers: int = 0
    defects: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def generate(out: Path, rows: int, seed: int = 7, defects: bool = False) -> Written:
    """Write the files for about `rows` rows into `out` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    customers = max(1, round(rows / ROWS_PER_CUSTOMER))
    written = Written(rows=dict.fromkeys(FILES, 0))
    with ExitStack() as stack:
        writers = {}
        for kind, (columns, encoding, delimiter) in FILES.items():
            handle: IO[str] = stack.enter_context(
                (out / f"{kind}.csv").open("w", encoding=encoding, newline="")
            )
            writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow(columns)
            writers[kind] = writer
        rejects = None
        if defects:
            handle = stack.enter_context(
                (out / EXPECTED_REJECTS).open("w", encoding="utf-8", newline="")
            )
            rejects = csv.writer(handle, lineterminator="\n")
            rejects.writerow(("file", "line", "defect"))
        defect_rng = random.Random(f"import-data/{seed}/defects")
        for index in range(customers):
            customer = make_customer(seed, index)
            # A spoiled row is rejected alone: never spoil one that others name (a
            # case an escalation names, a person a contact or visit met), nor a
            # customer, whose rows all follow it.
            named = {row[2] for row in customer.rows.get("escalations", [])}
            named |= _people_named(customer.rows)
            for kind, kind_rows in customer.rows.items():
                for row in kind_rows:
                    written.rows[kind] += 1
                    # Line 1 is the header; no value here spans lines.
                    line = written.rows[kind] + 1
                    spoilable = kind != "customers" and row[1] not in named
                    if (
                        rejects is not None
                        and spoilable
                        and defect_rng.randrange(
                            PERSON_DEFECT_EVERY if kind == "people" else DEFECT_EVERY
                        )
                        == 0
                    ):
                        defect = defect_rng.choice(DEFECTS)
                        if spoil(kind, row, defect):
                            rejects.writerow((f"{kind}.csv", line, defect))
                            written.defects += 1
                    writers[kind].writerow(row)
            written.customers += 1
    with (out / STAFF_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("staff_id", "name", "role", "segment"))
        for team in STAFF.values():
            for member in team:
                writer.writerow((member.staff_id, member.name, member.role, member.segment))
    return written


def _people_named(rows: dict[str, list[list[str]]]) -> set[str]:
    """The key people the customer's contacts and visits name."""
    named: set[str] = set()
    for kind, column in (("contacts", "people"), ("visits", "people_met")):
        at = FILES[kind][0].index(column)
        for row in rows.get(kind, []):
            named.update(filter(None, row[at].split(";")))
    return named


def staff_accounts(folder: Path) -> Iterator[Member]:
    """The accounts `generate` wrote to `staff_accounts.csv` in `folder`."""
    with (folder / STAFF_FILE).open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            yield Member(record["staff_id"], record["name"], record["role"], record["segment"])


def import_files(folder: Path) -> list[Path]:
    """The generated files, in the order to give them to `ledger import`."""
    return [folder / f"{kind}.csv" for kind in FILES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="about how many rows")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the files in")
    parser.add_argument("--seed", type=int, default=7, help="same seed, same files")
    parser.add_argument(
        "--defects", action="store_true", help=f"spoil about one row in {DEFECT_EVERY}"
    )
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    written = generate(args.out, args.rows, args.seed, args.defects)
    for kind, count in written.rows.items():
        print(f"{kind + '.csv':20} {count:>10,} rows")
    print(f"{'total':20} {written.total:>10,} rows, {written.customers:,} customers")
    if args.defects:
        print(f"{written.defects:,} spoiled rows listed in {args.out / EXPECTED_REJECTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
