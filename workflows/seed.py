"""The default formation procedures (the eleven steps of docs/domain.md), seeded in Chinese; admins edit new versions.

Takes the models as arguments so that a data migration can call it with its historical models.
"""

from __future__ import annotations

from .wording import WAYS as WAY_WORDS
from .wording import WORDS

ORG, FED = "organisation", "federation"

PEOPLE_COLUMNS = "name:姓名\npost:职务\nmobile:手机号码"
DELEGATE_COLUMNS = "name:姓名\nunit_post:单位及职务\nmobile:手机号码"
CANDIDATE_COLUMNS = (
    "name:姓名\nunit_post:单位及职务\nbirth_month:出生年月\npolitical_status:政治面貌\n"
    "education:学历\nmobile:手机号码\nproposed_office:拟任职务"
)


def leader_columns(w: dict) -> str:
    return f"name:姓名\npost:职务（{w['chair']}/{w['vice_chair']}/{w['post_member']}）\nunit_post:单位及职务\nmobile:手机号码"


VOTE_COLUMNS = "name:候选人\nfor:赞成\nagainst:反对\nabstain:弃权"
WAYS = "\n".join(WAY_WORDS.values())  # the way chosen when a run starts fills this in


def field(name, label, type="text", **options):
    return {"name": name, "label": label, "type": type, **options}


SURVEY = {
    "code": "survey",
    "title": "摸底建账",
    "actor": FED,
    "needs_review": False,
    "guidance": "联络员摸清单位基本情况并录入工作台账：职工总数、女职工数、是否建立党组织和工会。",
    "key_notes": "台账信息以单位提供的最新数据为准\n女职工人数决定推荐的组织形式",
    "sentences": "该单位现有职工{employees}人，其中女职工{women}人。",
    "fields": [
        field(
            "employees", "职工总数", "number", min_value=0, prefill="organisation.employees", required=False
        ),
        field("women", "女职工数", "number", min_value=0, prefill="organisation.women"),
    ],
}


REQUEST_NOTES = {
    "federation": "执委名额一般为5、7或15名，主席1名、副主席1至4名",
    "committee": "委员名额一般为5、7或15名，主任1名、副主任1至4名",
    "group": "妇女小组设组长1名，可设副组长",
}


def request_step(w: dict, deadline: int = 15) -> dict:
    form = next(key for key, words in WORDS.items() if words is w)
    if form == "group":
        sentence = (
            "设组长{chair_seats}名、副组长{vice_chair_seats}名，小组成员{seats}名，"
            "拟于{congress_date}召开女职工会议推选产生。"
        )
        purpose = "组长人选和推选时间"
    else:
        sentence = (
            f"设{w['member']}{{seats}}名，其中{w['chair']}{{chair_seats}}名、{w['vice_chair']}{{vice_chair_seats}}名，"
            f"拟于{{congress_date}}召开{w['assembly']}进行选举。"
        )
        purpose = f"{w['member']}名额和拟召开{w['assembly']}的时间"
    return {
        "code": "request",
        "title": "请示",
        "actor": ORG,
        "deadline_days": deadline,
        "guidance": f"单位向上级妇联和本单位党组织报送成立{w['full']}的请示，说明成立理由、组织名称、{purpose}。",
        "key_notes": f"组织名称为“单位全称＋{w['full']}”\n{REQUEST_NOTES[form]}\n请示须加盖单位公章",
        "sentences": (
            "我单位{unit_name}现有职工{employees}人，其中女职工{women}人。经研究，拟{way}{proposed_name}，"
            + sentence
        ),
        "fields": [
            field("unit_name", "单位名称", prefill="organisation.name"),
            field("uscc", "统一社会信用代码", prefill="organisation.uscc", required=False),
            field("employees", "职工总数", "number", min_value=0, prefill="survey.employees", required=False),
            field("women", "女职工数", "number", min_value=1, prefill="survey.women"),
            field("way", "组建方式", "choice", choices=WAYS, prefill="run.way"),
            field(
                "proposed_name",
                "拟成立组织名称",
                help_text=f"如：××有限公司{w['full']}",
                prefill="run.women_org",
            ),
            field(
                "seats",
                "小组成员人数" if form == "group" else f"{w['member']}名额",
                "number",
                min_value=3,
                max_value=41,
            ),
            field("chair_seats", f"{w['chair']}名额", "number", min_value=1, max_value=1),
            field("vice_chair_seats", f"{w['vice_chair']}名额", "number", min_value=0, max_value=6),
            field("congress_date", "拟推选日期" if form == "group" else f"拟召开{w['assembly']}日期", "date"),
            field("reasons", "成立理由", "textarea"),
            field("contact_name", "联系人", prefill="organisation.contact_name"),
            field("contact_mobile", "联系电话", prefill="organisation.contact_mobile"),
        ],
        "documents": [("关于成立妇女组织的请示", "request.docx")],
    }


def approval_step(w: dict) -> dict:
    return {
        "code": "approval",
        "title": "批复",
        "actor": FED,
        "needs_review": False,
        "deadline_days": 10,
        "guidance": "上级妇联（或单位党组织）对请示作出批复，填写文号、日期和批准的名称与名额。",
        "key_notes": "批复名称、名额须与请示一致，不一致的以批复为准",
        "sentences": (
            f"经研究，同意成立{{approved_name}}，设{w['member']}{{approved_seats}}名。"
            "文号：{approval_number}，日期：{approval_date}。"
        ),
        "fields": [
            field("approving_body", "批复单位", prefill="organisation.federation_unit"),
            field("approval_number", "批复文号", help_text="如：×妇字〔2026〕12号"),
            field("approval_date", "批复日期", "date"),
            field("approved_name", "批准的组织名称", prefill="request.proposed_name"),
            field(
                "approved_seats", f"批准的{w['member']}名额", "number", min_value=3, prefill="request.seats"
            ),
        ],
        "documents": [("关于同意成立妇女组织的批复", "approval.docx")],
    }


PREPARATION = {
    "code": "preparation",
    "title": "成立筹备组",
    "actor": ORG,
    "deadline_days": 15,
    "guidance": "成立筹备组，制定筹备方案：时间安排、代表名额和产生办法、委员名额、候选人条件和大会议程。",
    "key_notes": "筹备组组长一般由单位党组织负责人或工会负责人担任\n候选人条件须写明政治素质和群众基础要求",
    "sentences": "筹备组由{members_count}人组成；大会代表名额{delegate_quota}名，以{delegate_method}方式产生。",
    "fields": [
        field("members_count", "筹备组人数", "number", min_value=1),
        field("members", "筹备组名单", "people", columns=PEOPLE_COLUMNS),
        field("delegate_quota", "代表名额", "number", min_value=1),
        field("delegate_method", "代表产生方式", "choice", choices="民主推选\n单位推荐\n协商推荐"),
        field("timetable", "时间安排", "textarea"),
        field("candidate_criteria", "候选人条件", "textarea"),
        field("agenda", "大会议程", "textarea"),
    ],
    "documents": [("筹备工作方案", "preparation.docx"), ("筹备组名单", "preparation_members.docx")],
}

DELEGATES = {
    "code": "delegates",
    "title": "产生代表",
    "actor": ORG,
    "deadline_days": 15,
    "guidance": "按筹备方案产生出席大会的代表，填写代表名单。",
    "key_notes": "代表须为年满18周岁的女性\n社区（村）一般20至30名，单位按女职工人数确定",
    "fields": [field("delegates", "代表名单", "people", columns=DELEGATE_COLUMNS)],
    "documents": [("代表名单", "delegates.docx")],
}


def candidates_step(w: dict) -> dict:
    return {
        "code": "candidates",
        "title": "酝酿候选人",
        "actor": ORG,
        "deadline_days": 15,
        "guidance": f"在充分酝酿的基础上提出{w['member']}候选人，报上级妇联审核。",
        "key_notes": (
            f"{w['member']}选举实行差额选举，候选人数须多于应选名额\n只收集选举需要的个人信息，不填写身份证号码"
        ),
        "fields": [field("candidates", "候选人名单", "people", columns=CANDIDATE_COLUMNS)],
        "documents": [(f"{w['member']}候选人名单", "candidates.docx")],
    }


MATERIALS = {
    "code": "materials",
    "title": "选举材料",
    "actor": ORG,
    "deadline_days": 10,
    "guidance": "准备选举办法、大会议程和主持词、监票人计票人名单和选票。",
    "key_notes": "监票人、计票人不得由候选人担任\n选票上的候选人按姓氏笔画排列",
    "fields": [
        field("host", "大会主持人"),
        field("scrutineers", "监票人、计票人名单", "people", columns="name:姓名\npost:职责（监票人/计票人）"),
    ],
    "documents": [
        ("选举办法", "election_rules.docx"),
        ("大会议程和主持词", "agenda.docx"),
        ("监票人计票人名单", "scrutineers.docx"),
        ("选票", "ballot.docx"),
    ],
}


def congress_step(w: dict) -> dict:
    return {
        "code": "congress",
        "title": f"召开{w['assembly']}",
        "actor": ORG,
        "deadline_days": 30,
        "election": True,
        "guidance": f"召开{w['assembly']}，选举产生{w['member_long']}。大会结束后填写计票结果。",
        "key_notes": (
            "到会人数须超过应到人数的三分之二，选举方有效\n候选人获得赞成票超过应到会人数的一半，始得当选\n"
            "收回选票多于发出选票，选举无效\n所选人数多于应选名额的选票为废票"
        ),
        "sentences": (
            "大会于{congress_date}召开，应到{expected}人，实到{present}人；共发出选票{ballots_issued}张，"
            f"收回{{ballots_returned}}张，其中有效票{{ballots_valid}}张，多选作废{{ballots_overmarked}}张；应选{w['member']}{{seats}}名。"
        ),
        "fields": [
            field("congress_date", "大会日期", "date", prefill="request.congress_date"),
            field("expected", "应到人数", "number", min_value=1),
            field("present", "实到人数", "number", min_value=0),
            field("ballots_issued", "发出选票", "number", min_value=0),
            field("ballots_returned", "收回选票", "number", min_value=0),
            field("ballots_valid", "有效票", "number", min_value=0),
            field("ballots_overmarked", "多选作废票", "number", min_value=0),
            field(
                "seats", f"应选{w['member']}名额", "number", min_value=1, prefill="approval.approved_seats"
            ),
            field("votes", "计票结果", "votes", columns=VOTE_COLUMNS),
        ],
        "documents": [("计票单", "tally.docx")],
    }


def first_meeting_step(w: dict) -> dict:
    leaders = f"{w['chair']}、{w['vice_chair']}"
    return {
        "code": "first_meeting",
        "title": f"{w['body_short']}首次会议",
        "actor": ORG,
        "deadline_days": 7,
        "guidance": f"召开{w['body_short']}第一次会议，等额选举产生{leaders}。",
        "key_notes": f"{leaders}选举可实行等额选举",
        "fields": [
            field("meeting_date", "会议日期", "date"),
            field("leaders", leaders, "people", columns=PEOPLE_COLUMNS),
        ],
    }


def report_step(w: dict) -> dict:
    return {
        "code": "report",
        "title": "报批备案",
        "actor": ORG,
        "deadline_days": 10,
        "guidance": (
            f"将选举结果报上级妇联审批（备案），附{w['member']}名单和{w['chair']}、{w['vice_chair']}名单。"
        ),
        "key_notes": "选举结果报告须加盖单位公章",
        "fields": [
            field("report_date", "报送日期", "date"),
            field("executives", f"{w['member']}名单", "people", columns=leader_columns(w)),
        ],
        "documents": [("选举结果报告", "election_report.docx")],
    }


def unveiling_step(w: dict) -> dict:
    return {
        "code": "unveiling",
        "title": "挂牌",
        "actor": FED,
        "needs_review": False,
        "deadline_days": 30,
        "guidance": "举行挂牌仪式，上传挂牌照片，台账更新为已建立。",
        "key_notes": f"挂牌后台账自动更新：组织形式、成立日期、{w['chair']}和任期",
        "fields": [
            field("established_on", "成立（挂牌）日期", "date"),
            field("photo", "挂牌照片", "file", required=False),
        ],
    }


GROUP_MEMBERS = {
    "code": "group_members",
    "title": "确定组长和成员",
    "actor": ORG,
    "deadline_days": 15,
    "guidance": "妇女小组设组长1名，由本单位女职工推选产生。",
    "key_notes": "女职工较少的单位可设妇女小组，今后人数增加再改建妇委会或妇联",
    "fields": [
        field("established_on", "推选日期", "date"),
        field("leaders", "组长和成员", "people", columns=PEOPLE_COLUMNS),
    ],
}

NAME_LIAISON = {
    "code": "name_liaison",
    "title": "确定妇联工作联系人",
    "actor": ORG,
    "deadline_days": 15,
    "guidance": "暂不具备建立妇女组织条件的单位，确定一名妇联工作联系人，负责与妇联日常联系。",
    "key_notes": "联系人信息仅用于妇联工作联系，不对外公开",
    "sentences": "我单位确定{name}（{post}）为妇联工作联系人，联系电话{mobile}。",
    "fields": [
        field("name", "联系人姓名"),
        field("post", "职务"),
        field("mobile", "手机号码"),
        field(
            "consent",
            "本人同意",
            "choice",
            choices="已告知联系人：其姓名、职务和手机号码仅用于妇联工作联系，并征得本人同意",
        ),
    ],
}


def _with(step: dict, **changes) -> dict:
    return {**step, **changes}


FEDERATION, COMMITTEE, GROUP = WORDS["federation"], WORDS["committee"], WORDS["group"]

TEMPLATES = [
    {
        "key": "federation",
        "name": "妇女联合会组建流程",
        "form": "federation",
        "description": "单位（区域、行业）成立妇联：请示、批复、筹备、产生代表、酝酿候选人、召开大会选举、报批、挂牌。",
        "steps": [
            SURVEY,
            request_step(FEDERATION),
            approval_step(FEDERATION),
            PREPARATION,
            DELEGATES,
            candidates_step(FEDERATION),
            MATERIALS,
            congress_step(FEDERATION),
            first_meeting_step(FEDERATION),
            report_step(FEDERATION),
            unveiling_step(FEDERATION),
        ],
    },
    {
        "key": "committee",
        "name": "妇女委员会组建流程",
        "form": "committee",
        "description": "机关、事业单位和部分企业、社会组织成立妇委会：请示、批复、酝酿候选人、妇女大会选举、报批、挂牌。",
        "steps": [
            SURVEY,
            request_step(COMMITTEE),
            approval_step(COMMITTEE),
            candidates_step(COMMITTEE),
            _with(MATERIALS, documents=[("选举办法", "election_rules.docx"), ("选票", "ballot.docx")]),
            congress_step(COMMITTEE),
            first_meeting_step(COMMITTEE),
            report_step(COMMITTEE),
            unveiling_step(COMMITTEE),
        ],
    },
    {
        "key": "group",
        "name": "妇女小组组建流程",
        "form": "group",
        "description": "女职工较少的单位、快递网点等成立妇女小组。",
        "steps": [SURVEY, request_step(GROUP, deadline=10), GROUP_MEMBERS, unveiling_step(GROUP)],
    },
    {
        "key": "liaison",
        "name": "确定妇联工作联系人",
        "form": "liaison",
        "description": "暂不具备建立条件的单位先确定一名妇联工作联系人。",
        "steps": [SURVEY, NAME_LIAISON],
    },
]


def templates_seed(template_model, step_model, field_model, document_model) -> None:
    """Publish version 1 of each default procedure that is missing (takes the models for migrations)."""
    for spec in TEMPLATES:
        if template_model.objects.filter(key=spec["key"]).exists():
            continue
        template = template_model.objects.create(
            key=spec["key"],
            version=1,
            name=spec["name"],
            form=spec["form"],
            description=spec["description"],
            status="draft",
        )
        for order, step_spec in enumerate(spec["steps"], start=1):
            step = step_model.objects.create(
                template=template,
                order=order,
                code=step_spec["code"],
                title=step_spec["title"],
                guidance=step_spec.get("guidance", ""),
                key_notes=step_spec.get("key_notes", ""),
                sentences=step_spec.get("sentences", ""),
                actor=step_spec["actor"],
                deadline_days=step_spec.get("deadline_days"),
                needs_review=step_spec.get("needs_review", True),
                election=step_spec.get("election", False),
            )
            for field_order, spec_field in enumerate(step_spec.get("fields", []), start=1):
                field_model.objects.create(step=step, order=field_order, **spec_field)
            for doc_order, (title, packaged) in enumerate(step_spec.get("documents", []), start=1):
                document_model.objects.create(step=step, order=doc_order, title=title, packaged=packaged)
        # published once complete (a published version refuses new steps)
        template_model.objects.filter(pk=template.pk).update(status="published")
