"""Demo federation work on top of the demo ledger: services with partners, recognitions, 爱心妈妈 pairings
as counts, and the 万达商圈妇建联盟 alliance; idempotent, written through the services as the demo officers.

Figures follow what 中国妇女报 reported for Wuhai (2025-02-15): 12 individuals and 8 collectives recognised,
24 women paired with children as 爱心妈妈 (counts only: no child is named anywhere).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from activities import services
from activities.models import Activity, ActivityType, Alliance, Partner, Recognition, RecognitionTitle
from activities.seed import activity_types_seed, recognition_titles_seed
from branches.models import Branch, Organisation, UnitType
from federation.models import User

ALLIANCE = "万达商圈妇建联盟"
ALLIANCE_BRANCH = "万达商圈妇建联盟妇女联合会"  # the area-based federation of branches/demo_women.py
PARTNERS = [
    ("乌海市女企业家协会", Partner.Kind.ASSOCIATION, "王女士", "13904731001"),
    ("乌海市巾帼家政服务有限公司", Partner.Kind.COMPANY, "李女士", "13904731002"),
    ("乌海市人民医院", Partner.Kind.OTHER, "", ""),
]
# (officer, type code, date, title, partners, organisations served, participants, women served, pairs)
SERVICES = [
    ("haibowan", "policy", (2025, 1, 10), "《妇女权益保障法》进商圈宣讲", [], 4, 60, 48, None),
    (
        "haibowan",
        "skills",
        (2025, 3, 6),
        "巾帼家政技能培训班",
        ["乌海市巾帼家政服务有限公司"],
        3,
        45,
        45,
        None,
    ),
    (
        "haibowan",
        "health",
        (2025, 3, 8),
        "三八节女职工义诊",
        ["乌海市人民医院", "乌海市女企业家协会"],
        5,
        120,
        110,
        None,
    ),
    ("haibowan", "parenting", (2025, 4, 19), "家庭教育指导进企业", ["乌海市女企业家协会"], 2, 38, 30, None),
    (
        "haibowan",
        "caring_mother",
        (2025, 5, 31),
        "爱心妈妈结对活动（第一批）",
        ["乌海市女企业家协会"],
        3,
        28,
        14,
        14,
    ),
    ("haibowan", "volunteering", (2025, 6, 14), "巾帼志愿者社区服务日", [], 2, 35, 35, None),
    (
        "haibowan",
        "entrepreneurship",
        (2025, 7, 12),
        "女性创业就业沙龙",
        ["乌海市女企业家协会"],
        3,
        40,
        36,
        None,
    ),
    ("wuda", "legal", (2025, 2, 21), "快递小哥和女骑手普法维权讲座", [], 4, 52, 20, None),
    ("wuda", "counselling", (2025, 4, 12), "女职工心理疏导工作坊", [], 2, 26, 26, None),
    (
        "wuda",
        "caring_mother",
        (2025, 6, 1),
        "爱心妈妈结对活动（第二批）",
        ["乌海市巾帼家政服务有限公司"],
        2,
        20,
        10,
        10,
    ),
    ("wuda", "exchange", (2025, 8, 22), "两新组织妇联交流学习", [], 3, 30, 30, None),
    (
        "city",
        "skills",
        (2025, 9, 18),
        "外卖女骑手安全技能培训",
        ["乌海市巾帼家政服务有限公司"],
        3,
        64,
        22,
        None,
    ),
    ("city", "policy", (2025, 10, 15), "新就业群体妇女工作政策宣讲", ["乌海市女企业家协会"], 4, 80, 60, None),
]
INDIVIDUALS = [
    ("三八红旗手", 2024, "王秀英", "总经理"),
    ("三八红旗手", 2024, "李海燕", "车间主任"),
    ("三八红旗手", 2025, "张晓梅", "妇联主席"),
    ("三八红旗手", 2025, "刘丽娜", "站点负责人"),
    ("最美家庭", 2024, "陈静", "职工"),
    ("最美家庭", 2024, "杨芳", "会计"),
    ("最美家庭", 2025, "赵敏", "护士长"),
    ("最美家庭", 2025, "黄丽", "教师"),
    ("巾帼建功标兵", 2024, "周娜", "技术员"),
    ("巾帼建功标兵", 2024, "吴秀兰", "快递员"),
    ("巾帼建功标兵", 2025, "孙海霞", "客服主管"),
    ("巾帼建功标兵", 2025, "马晓燕", "外卖骑手"),
]
COLLECTIVES = 8


def _officers() -> dict[str, User] | None:
    users = {user.username: user for user in User.objects.filter(username__in=["city", "haibowan", "wuda"])}
    return users if len(users) == 3 else None


def _partners() -> dict[str, Partner]:
    partners = {}
    for name, kind, contact, mobile in PARTNERS:
        partners[name] = Partner.objects.get_or_create(
            name=name, defaults={"kind": kind, "contact_name": contact, "contact_mobile": mobile}
        )[0]
    return partners


def _in_district(officer: User) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            archived_at__isnull=True, district__path__startswith=officer.unit.region.path
        )
        .exclude(unit_type=UnitType.BUSINESS_DISTRICT)
        .order_by("sort_key", "id")
    )


def _services(officers: dict[str, User], partners: dict[str, Partner], alliance: Alliance | None) -> int:
    added = 0
    types = {t.code: t for t in ActivityType.objects.all()}
    offsets: dict[str, int] = {}
    for username, code, day, title, partner_names, served, participants, women, pairs in SERVICES:
        officer = officers[username]
        candidates = _in_district(officer)
        start = offsets.get(username, 0)
        offsets[username] = start + served
        if Activity.objects.filter(title=title).exists() or code not in types:
            continue
        organisations = (
            [candidates[(start + i) * 7 % len(candidates)] for i in range(served)] if candidates else []
        )
        services.activity_create(
            by=officer,
            data={
                "type": types[code],
                "date": dt.date(*day),
                "title": title,
                "participants": participants,
                "women_served": women,
                "pairs": pairs,
            },
            organisations=organisations,
            partners=[partners[name] for name in partner_names],
            alliances=[alliance] if alliance is not None and "商圈" in title else [],
        )
        added += 1
    return added


def _recognitions(officers: dict[str, User]) -> int:
    added = 0
    titles = {title.name: title for title in RecognitionTitle.objects.all()}
    city = officers["city"]
    organisations = list(
        Organisation.objects.filter(archived_at__isnull=True, unit_type=UnitType.PRIVATE_ENTERPRISE).order_by(
            "sort_key", "id"
        )[:40]
    )
    for index, (title, year, name, post) in enumerate(INDIVIDUALS):
        if Recognition.objects.filter(person_name=name, year=year).exists() or title not in titles:
            continue
        organisation = organisations[index * 3 % len(organisations)] if organisations else None
        services.recognition_create(
            by=city,
            data={
                "kind": "individual",
                "title": titles[title],
                "year": year,
                "organisation": organisation,
                "person_name": name,
                "person_unit": organisation.name if organisation else "",
                "person_post": post,
            },
        )
        added += 1
    for index in range(COLLECTIVES):
        organisation = organisations[(index * 5 + 1) % len(organisations)] if organisations else None
        name = f"{organisation.name}妇女联合会" if organisation else f"示范集体{index + 1}"
        year = 2024 + index % 2
        if (
            Recognition.objects.filter(collective_name=name, year=year).exists()
            or "三八红旗集体" not in titles
        ):
            continue
        services.recognition_create(
            by=city,
            data={
                "kind": "collective",
                "title": titles["三八红旗集体"],
                "year": year,
                "organisation": organisation,
                "collective_name": name,
            },
        )
        added += 1
    return added


def _alliance(officers: dict[str, User]) -> Alliance | None:
    existing = Alliance.objects.filter(name=ALLIANCE).first()
    if existing is not None:
        return existing
    active = Organisation.objects.filter(archived_at__isnull=True).select_related("region")
    lead = active.filter(name__contains="万达", unit_type=UnitType.BUSINESS_DISTRICT).order_by("id").first()
    if lead is None:
        return None
    # The small units of the same street: shops and offices of the business district.
    neighbours = list(
        active.filter(district_id=lead.district_id)
        .exclude(pk=lead.pk)
        .order_by("region_id", "sort_key", "id")
        .filter(region_id=lead.region_id)[:7]
    )
    if len(neighbours) < 7:
        neighbours += list(
            active.filter(district_id=lead.district_id)
            .exclude(pk__in=[lead.pk, *(o.pk for o in neighbours)])
            .order_by("sort_key", "id")[: 7 - len(neighbours)]
        )
    branch = Branch.objects.filter(name=ALLIANCE_BRANCH, alliances__isnull=True).first()
    alliance = services.alliance_create(
        by=officers["city"],
        data={
            "name": ALLIANCE,
            "lead": lead,
            "branch": branch,
            "notes": "商圈内小微企业和个体工商户联合建立妇女组织",
        },
        members=neighbours,
    )
    return alliance


@transaction.atomic
def demo_load(*, stdout) -> None:
    """Add the demo services, partners, recognitions and the alliance that are not there yet."""
    activity_types_seed(ActivityType)
    recognition_titles_seed(RecognitionTitle)
    officers = _officers()
    if officers is None:
        return  # the demo accounts are made by load_demo first
    partners = _partners()
    alliance = _alliance(officers)
    added = _services(officers, partners, alliance)
    recognised = _recognitions(officers)
    paired = sum(pairs or 0 for *_rest, pairs in SERVICES)
    stdout.write(
        f"Demo work: {added} services added ({len(SERVICES)} in all, {paired} women paired as 爱心妈妈), "
        f"{len(PARTNERS)} partners, {recognised} recognitions added "
        f"({len(INDIVIDUALS)} individuals, {COLLECTIVES} collectives in all)"
        + (f", alliance {alliance.name} with {alliance.members.count()} members." if alliance else ".")
    )
