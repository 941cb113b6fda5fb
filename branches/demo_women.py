"""Demo women's organisations, liaisons and contacts on top of the demo ledger; idempotent.

Dates are relative to today, so a fresh demo always has follow-ups due today, overdue ones and terms ending
soon. Everything is written through the services, as the demo city officer, so histories read as in real use.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from branches.models import Branch, ContactLog, Liaison, Organisation, Stage, StageChecklistItem, UnitType
from branches.services.branches import branch_checklist_tick, branch_create, branch_stage_set
from branches.services.contacts import contact_add, liaison_add
from federation.models import User

SEED = 20250308
OFFICERS = {"150302": "haibowan", "150304": "wuda", "150303": "city"}
SUMMARIES = [
    "电话了解女职工人数和党组织情况，对方同意推荐妇联工作联系人",
    "上门走访，讲解妇联和妇委会的区别及组建流程",
    "微信发送请示模板，约定下周提交",
    "参加单位三八节活动，商议建立妇女之家",
    "电话回访筹备进展，候选人名单正在酝酿",
    "座谈了解女职工需求，对接技能培训资源",
]


def _members(rng: random.Random, chair_post: str) -> list[dict]:
    surnames, given = "王李张刘陈杨赵黄周吴", ["丽", "娜", "敏", "静", "芳", "秀英", "海燕", "晓梅"]
    people = [f"{rng.choice(surnames)}{rng.choice(given)}" for _ in range(3)]
    vice = "vice_chair" if chair_post == "chair" else "deputy_director"
    return [
        {"name": people[0], "post": chair_post},
        {"name": people[1], "post": vice},
        {"name": people[2], "post": "executive"},
    ]


def _branch(officer, organisation, *, name, form, way, established, covers=(), stage=Stage.ESTABLISHED, rng):
    if Branch.objects.filter(name=name).exists():
        return None
    branch = branch_create(
        by=officer,
        organisation=organisation,
        data={
            "name": name,
            "form": form,
            "way": way,
            "established_on": established,
            "approving_unit": "乌海市妇联"
            if way in {"industry", "area"}
            else f"{organisation.district.name}妇联",
            "approval_number": f"乌妇字〔{established.year}〕{rng.randint(3, 60)}号",
            "seats": 7 if form == "federation" else 5,
        },
        covers=list(covers),
        members=_members(rng, "chair" if form == "federation" else "director"),
    )
    for target in (Stage.CONSOLIDATING, Stage.ENHANCING):
        if [Stage.ESTABLISHED, Stage.CONSOLIDATING, Stage.ENHANCING].index(stage) < [
            Stage.ESTABLISHED,
            Stage.CONSOLIDATING,
            Stage.ENHANCING,
        ].index(target):
            break
        for item in StageChecklistItem.objects.filter(stage=target, active=True):
            branch = branch_checklist_tick(by=officer, branch=branch, item=item, ticked=True)
        branch = branch_stage_set(by=officer, branch=branch, stage=target, reason="演示数据：检查项已完成")
    return branch


@transaction.atomic
def demo_women_load(*, stdout) -> None:
    """Women's organisations (an industry-wide and an area-based one among them), liaisons and contacts."""
    rng = random.Random(SEED)
    today = timezone.localdate()
    users = {user.username: user for user in User.objects.filter(username__in=[*OFFICERS.values(), "city"])}
    if len(users) < len(set(OFFICERS.values()) | {"city"}):
        return  # the demo accounts are made by load_demo first
    officers = {code: users[name] for code, name in OFFICERS.items()}
    city = users["city"]
    active = Organisation.objects.filter(archived_at__isnull=True).select_related("district", "region")
    organisations = list(active.order_by("sort_key", "id"))
    for organisation in organisations:
        if organisation.officer_id is None:
            organisation.officer = officers[organisation.district.code]
    Organisation.objects.bulk_update(organisations, ["officer"])

    created = 0
    outlets = [o for o in organisations if o.unit_type == UnitType.EXPRESS]
    association = next(
        (o for o in organisations if "快递" in o.name and o.unit_type == UnitType.ASSOCIATION), None
    )
    if outlets:
        host = association or outlets[0]
        created += bool(
            _branch(city, host, name="乌海市快递行业妇女联合会", form="federation", way="industry",
                    established=dt.date(2024, 3, 8), covers=outlets, stage=Stage.CONSOLIDATING, rng=rng)
        )  # fmt: skip
    districts = [o for o in organisations if o.unit_type == UnitType.BUSINESS_DISTRICT]
    wanda = next((o for o in districts if "万达" in o.name), districts[0] if districts else None)
    if wanda:
        covered = [o for o in districts if o.district_id == wanda.district_id and o.pk != wanda.pk]
        created += bool(
            _branch(city, wanda, name="万达商圈妇建联盟妇女联合会", form="federation", way="area",
                    established=dt.date(2023, 11, 20), covers=covered, stage=Stage.ENHANCING, rng=rng)
        )  # fmt: skip
    for index, organisation in enumerate(
        o for o in organisations if o.unit_type in {UnitType.PRIVATE_ENTERPRISE, UnitType.WOMEN_SOCIAL}
    ):
        if index % 3 == 2 or organisation.stage != Stage.SURVEYING:
            continue
        big = (organisation.women or 0) >= 50 and organisation.party_org
        form = "federation" if big or organisation.unit_type == UnitType.WOMEN_SOCIAL else "committee"
        suffix = "妇女联合会" if form == "federation" else "妇女委员会"
        # A few terms end within 90 days, so the re-election reminder has something to say.
        established = (
            today - dt.timedelta(days=5 * 365 - 40) if index % 11 == 0 else dt.date(2022 + index % 4, 3, 8)
        )
        stage = [Stage.ESTABLISHED, Stage.CONSOLIDATING, Stage.ENHANCING][index % 3]
        created += bool(
            _branch(organisation.officer or city, organisation, name=f"{organisation.name}{suffix}", form=form,
                    way="standalone", established=established, stage=stage, rng=rng)
        )  # fmt: skip

    liaisons = 0
    for index, organisation in enumerate(organisations):
        organisation.refresh_from_db(fields=["stage"])
        if index % 2 or organisation.liaisons.exists():
            continue
        name = f"{rng.choice('王李张刘陈杨赵黄周吴')}{rng.choice(['丽', '娜', '敏', '静', '芳', '红霞'])}"
        mobile = f"{rng.choice(['135', '138', '139', '150', '186'])}{rng.randint(0, 99_999_999):08d}"
        liaison_add(by=organisation.officer or city, organisation=organisation, name=name, mobile=mobile,
                    post=rng.choice(["工会主席", "办公室主任", "人事专员", "副总经理"]), consent=True)  # fmt: skip
        liaisons += 1
    contact_user = User.objects.filter(username="liaison").first()
    if contact_user and not Liaison.objects.filter(user=contact_user).exists():
        target = next((o for o in organisations if o.unit_type == UnitType.WOMEN_SOCIAL), organisations[0])
        liaison = target.liaisons.first() or liaison_add(
            by=target.officer or city, organisation=target, name="刘静", mobile="13904731234", consent=True
        )
        Liaison.objects.filter(pk=liaison.pk).update(user=contact_user)

    contacts = 0
    for index, organisation in enumerate(organisations):
        if index % 3 or ContactLog.objects.filter(organisation=organisation).exists():
            continue
        officer = organisation.officer or city
        for n in range(1 + index % 3):
            contacted = today - dt.timedelta(days=50 - 20 * n - index % 7)
            # some due today, some tomorrow, some overdue (promised a few days after a contact weeks ago)
            follow = {0: today, 1: today + dt.timedelta(days=1), 2: contacted + dt.timedelta(days=3)}.get(
                index % 9
            )
            last = n == index % 3
            contact_add(by=officer, organisation=organisation, contacted_on=min(contacted, today),
                        channel=rng.choice(["phone", "visit", "wechat", "meeting"]), summary=rng.choice(SUMMARIES),
                        next_follow_up=follow if last else None)  # fmt: skip
            contacts += 1
    stdout.write(
        f"Demo women's organisations: {created} recorded, {liaisons} liaisons named, {contacts} contacts logged."
    )
