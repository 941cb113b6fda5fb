"""The FAQ shipped with the app: the questions organisations phone the federation with, answered from the
formation rules (docs/domain.md). Admins and officers edit them afterwards.

Takes the models as arguments so that a data migration can call it with its historical models.
"""

from __future__ import annotations

from answers.search import faq_search_text

CATEGORIES = [
    ("forms", "组织形式"),
    ("procedure", "组建程序"),
    ("election", "选举"),
    ("terms", "任期换届"),
    ("liaison", "联系人"),
    ("personal_data", "个人信息"),
]

# The category a question asked on a step most likely belongs to ("publish as FAQ" presets it).
STEP_CATEGORY = {
    "survey": "forms",
    "request": "procedure",
    "approval": "procedure",
    "preparation": "procedure",
    "delegates": "election",
    "candidates": "election",
    "materials": "election",
    "congress": "election",
    "first_meeting": "election",
    "report": "procedure",
    "unveiling": "procedure",
    "group_members": "forms",
    "name_liaison": "liaison",
}

# (category code, question, answer, step codes, related field names)
ENTRIES = [
    (
        "forms",
        "我们单位应该成立妇联还是妇委会？",
        "按单位类型和女职工人数推荐：乡镇（街道）、村（社区）、女性社会组织和行业、区域性的组织一般成立妇女联合会"
        "（妇联）；机关、事业单位一般成立妇女委员会（妇委会）；有党组织且女职工50人以上的单位可单独建立妇联，"
        "规模较大的企业也可以选择妇委会；女职工10至49人的单位可成立妇委会或妇女小组。"
        "页面上的“组织形式推荐”会说明依据的是哪一条规则，区妇联干部可以根据实际情况调整。",
        ["survey", "request"],
        ["women"],
    ),
    (
        "forms",
        "单位女职工很少（不到10人），还能建妇女组织吗？",
        "可以先“建立起来”：不到10名女职工的单位，先确定一名妇联工作联系人，或者纳入所在村（社区）妇联兜底覆盖；"
        "女职工10至49人的，可以成立妇委会或妇女小组。先建立、再完善、后提高，条件成熟后再升格。",
        ["survey", "name_liaison", "group_members"],
        ["women"],
    ),
    (
        "forms",
        "快递、外卖网点分散，每个网点人都不多，怎么建？",
        "分散在各处的同一行业网点，宜由行业党委牵头“行业统建”，成立行业妇联（如快递行业妇联），各网点作为覆盖单位；"
        "人数较多的网点也可以成立妇女小组，由组长负责日常联系。",
        ["survey", "request", "group_members"],
        ["way"],
    ),
    (
        "forms",
        "商圈、写字楼、产业园区里的小企业怎么建妇女组织？",
        "商圈、楼宇、园区适合“区域联建”：以商圈、楼宇或园区为单位成立区域性妇联，把其中的小微企业和个体工商户一并覆盖，"
        "例如万达商圈妇建联盟。入驻单位女职工较多的，也可以单独建立。",
        ["survey", "request"],
        ["way"],
    ),
    (
        "procedure",
        "成立妇联一共要走哪些步骤？",
        "一般为：摸底建账 → 向上级妇联和本单位党组织请示 → 取得批复 → 成立筹备组 → 产生代表（召开代表大会时）→ "
        "酝酿候选人 → 准备选举材料 → 召开大会选举 → 执委会首次会议选举主席、副主席 → 报批或备案 → 挂牌。"
        "每一步在本系统里都是一张填空表，填好后可以一键下载成套文书。",
        ["survey", "request", "approval", "preparation"],
        [],
    ),
    (
        "procedure",
        "请示要写哪些内容？要盖章吗？",
        "请示写明单位名称、统一社会信用代码、成立理由、拟成立组织的名称和形式、组建方式、女职工人数、执委（委员）名额"
        "及主席（主任）、副主席（副主任）名额、拟召开大会的时间和联系人。组织名称为“单位全称＋妇女联合会（妇女委员会）”。"
        "请示须加盖单位公章，同时报上级妇联和本单位党组织。",
        ["request"],
        ["proposed_name", "seats", "chair_seats", "vice_chair_seats", "congress_date"],
    ),
    (
        "procedure",
        "批复下来之前可以先开大会吗？",
        "不可以。须等上级妇联（或党组织）批复同意后，再按批复核定的名称和名额成立筹备组、召开大会。"
        "批复的文号、日期、批复单位要填入“批复”一步，后面的文书会自动引用。",
        ["approval", "preparation"],
        ["approval_number"],
    ),
    (
        "procedure",
        "筹备组由哪些人组成？要做哪些准备？",
        "筹备组一般3至5人，由单位党组织推荐，负责制定筹备方案（时间安排、代表名额和产生办法、执委名额、候选人条件、"
        "大会议程），提出候选人建议名单，准备选举材料。",
        ["preparation", "materials"],
        [],
    ),
    (
        "election",
        "代表怎么产生？要多少名？",
        "召开代表大会的，代表由妇女群众推选产生，须为年满18周岁的女性；社区一般20至30名。"
        "人数较少的单位可以召开妇女大会，全体女职工参加，不再另选代表。",
        ["delegates"],
        [],
    ),
    (
        "election",
        "候选人要比执委名额多吗？多多少？",
        "执委（委员）选举实行差额选举，候选人人数须多于应选名额；具体差额比例按上级妇联的规定，由管理员在流程模板中设置。"
        "主席、副主席在执委会首次会议上可以等额选举。",
        ["candidates", "congress"],
        ["seats"],
    ),
    (
        "election",
        "候选人名单要填哪些信息？",
        "每位候选人填写姓名、单位及职务、出生年月、政治面貌、学历、手机号码和拟任职务。"
        "这些信息只为选举需要收集，不填身份证号码；候选人名单须经上级妇联审核。",
        ["candidates"],
        ["candidates"],
    ),
    (
        "election",
        "选举需要准备哪些材料？",
        "选举办法、大会议程（主持词）、监票人和计票人名单、选票。选票上的候选人按姓氏笔画排列，"
        "选票名额以应选名额为限。系统会根据前面填写的内容生成这些文书。",
        ["materials"],
        [],
    ),
    (
        "election",
        "到会多少人选举才有效？",
        "实到人数须超过应到人数的三分之二（该比例可由管理员调整，部分旧规定为二分之一）。"
        "不足时应当改期召开，不能开始选举。",
        ["congress"],
        ["expected", "present"],
    ),
    (
        "election",
        "候选人得多少票才算当选？",
        "候选人获得的赞成票须超过应到人数的一半才能当选（注意是应到人数，不是实到人数）。"
        "得票超过半数的人数多于应选名额时，按得票多少依次当选；不足应选名额时，对不足的名额另行选举。",
        ["congress"],
        ["votes", "expected"],
    ),
    (
        "election",
        "收回的选票比发出的多怎么办？哪些选票无效？",
        "收回选票多于发出选票，本次选举无效，须重新投票；收回选票等于或少于发出选票，选举有效。"
        "每张选票所选人数多于应选名额的为废票，等于或少于应选名额的为有效票。",
        ["congress"],
        ["ballots_issued", "ballots_returned"],
    ),
    (
        "election",
        "执委会首次会议做什么？",
        "大会选举产生执委会后，随即召开执委会第一次会议，等额选举主席、副主席。"
        "常见的执委会规模：5人（主席1名、副主席1名）、7人（主席1名、副主席2名）、15人（主席1名、副主席4名）。",
        ["first_meeting"],
        ["leaders"],
    ),
    (
        "procedure",
        "选举结束后还要做什么？",
        "将选举结果报告（执委名单、主席副主席名单、得票情况）报上级妇联批准或备案；"
        "获批后举行挂牌仪式，区妇联在工作台账中登记成立日期和任期届满日期。",
        ["report", "unveiling"],
        [],
    ),
    (
        "terms",
        "妇联每届任期几年？到期了怎么换届？",
        "每届任期一般为5年（管理员可按组织形式和单位类型调整）。任期届满前90天，系统会提醒区妇联和单位联系人；"
        "换届由上届执委会筹备，按与成立时相同的流程进行：请示、批复、筹备、选举、报批。",
        ["report", "unveiling", "request"],
        [],
    ),
    (
        "liaison",
        "妇联工作联系人要做什么？",
        "联系人不是一个组织，而是单位指定的一名妇联工作对接人：及时转达妇联的通知和活动，"
        "反映女职工的需求，配合区妇联开展常态联系，条件成熟时推动成立妇女组织。",
        ["name_liaison"],
        [],
    ),
    (
        "liaison",
        "联系人换人了怎么办？",
        "请及时告知区妇联干部，由其在台账中停用原联系人、登记新的联系人；新联系人登记时须确认个人信息告知并同意。",
        ["name_liaison"],
        [],
    ),
    (
        "personal_data",
        "系统会收集哪些个人信息？要填身份证号吗？",
        "只收集必要信息：联系人和委员的姓名、单位、职务、手机号码；出生年月和政治面貌只在候选人名单中、因选举需要才填写。"
        "不收集身份证号码。登记前会告知用途并记录本人同意。",
        ["candidates", "name_liaison", "preparation"],
        ["mobile"],
    ),
    (
        "personal_data",
        "手机号码会被别人看到吗？",
        "手机号码在页面上以遮蔽方式显示（如138****5678）。工作人员查看完整号码需有相应权限，"
        "每次查看和导出都会被记录备查。",
        ["name_liaison", "candidates"],
        ["mobile"],
    ),
]


# Entries written in a 妇联's words (执委, 主席, 执委会): on the steps of a 妇联's runs only. A 妇委会's runs show the
# entries below instead, the same questions in its own words (委员, 主任, 妇委会).
FEDERATION_ONLY = [
    "筹备组由哪些人组成？要做哪些准备？",
    "候选人要比执委名额多吗？多多少？",
    "执委会首次会议做什么？",
    "选举结束后还要做什么？",
    "妇联每届任期几年？到期了怎么换届？",
    "成立妇联一共要走哪些步骤？",
    "请示要写哪些内容？要盖章吗？",
]
COMMITTEE_ENTRIES = [
    (
        "procedure",
        "成立妇委会一共要走哪些步骤？",
        "一般为：摸底建账 → 向上级妇联和本单位党组织请示 → 取得批复 → 酝酿候选人 → 准备选举材料 → 召开妇女大会选举 → "
        "妇委会首次全体会议选举主任、副主任 → 报批或备案 → 挂牌。"
        "每一步在本系统里都是一张填空表，填好后可以一键下载成套文书。",
        ["survey", "request", "approval"],
        [],
    ),
    (
        "procedure",
        "请示要写哪些内容？要盖章吗？",
        "请示写明单位名称、统一社会信用代码、成立理由、拟成立组织的名称和形式、组建方式、女职工人数、委员名额"
        "及主任、副主任名额、拟召开妇女大会的时间和联系人。组织名称为“单位全称＋妇女委员会”。"
        "请示须加盖单位公章，同时报上级妇联和本单位党组织。",
        ["request"],
        ["proposed_name", "seats", "chair_seats", "vice_chair_seats", "congress_date"],
    ),
    (
        "election",
        "候选人要比委员名额多吗？多多少？",
        "妇委会委员选举实行差额选举，候选人人数须多于应选名额；具体差额比例按上级妇联的规定，由管理员在流程模板中设置。"
        "主任、副主任在妇委会首次全体会议上可以等额选举。",
        ["candidates", "congress"],
        ["seats"],
    ),
    (
        "election",
        "妇委会首次全体会议做什么？",
        "妇女大会选举产生妇委会委员后，随即召开妇委会第一次全体会议，等额选举主任、副主任。"
        "常见的规模：5人（主任1名、副主任1名）、7人（主任1名、副主任2名）。",
        ["first_meeting"],
        ["leaders"],
    ),
    (
        "procedure",
        "选举结束后还要做什么？",
        "将选举结果报告（委员名单、主任副主任名单、得票情况）报上级妇联批准或备案；"
        "获批后举行挂牌仪式，区妇联在工作台账中登记成立日期和任期届满日期。",
        ["report", "unveiling"],
        [],
    ),
    (
        "terms",
        "妇委会每届任期几年？到期了怎么换届？",
        "每届任期一般为5年（管理员可按组织形式和单位类型调整）。任期届满前90天，系统会提醒区妇联和单位联系人；"
        "换届由上届妇委会筹备，按与成立时相同的流程进行：请示、批复、选举、报批。",
        ["report", "unveiling", "request"],
        [],
    ),
]
PERSONAL_DATA_BEFORE = (
    "只收集必要信息：联系人和执委的姓名、单位、职务、手机号码；出生年月和政治面貌只在候选人名单中、因选举需要才填写。"
    "不收集身份证号码。登记前会告知用途并记录本人同意。"
)


def faq_seed(category_model, entry_model) -> None:
    """Create the default categories and, when the FAQ is empty, the default entries."""
    categories = {}
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        categories[code] = category_model.objects.get_or_create(
            code=code, defaults={"name": name, "order": order * 10}
        )[0]
    if entry_model.objects.exists():
        return
    for order, (category, question, answer, step_codes, fields) in enumerate(ENTRIES, start=1):
        entry_model.objects.create(
            category=categories[category],
            question=question,
            answer=answer,
            step_codes=step_codes,
            fields=fields,
            order=order * 10,
            published=True,
            search_text=faq_search_text(question, answer),
        )
    if any(field.name == "forms" for field in entry_model._meta.get_fields()):
        faq_forms_seed(category_model, entry_model)


def faq_forms_seed(category_model, entry_model) -> None:
    """Show the entries written in a 妇联's words on a 妇联's runs only and add a 妇委会's own (idempotent; entries
    an officer has edited keep what they say)."""
    entries = list(entry_model.objects.filter(question__in=FEDERATION_ONLY))
    for entry in entries:
        if not entry.forms and entry.source_question_id is None:
            entry.forms = ["federation"]
            entry.save(update_fields=["forms"])
    for entry in entry_model.objects.filter(answer=PERSONAL_DATA_BEFORE):
        entry.answer = PERSONAL_DATA_BEFORE.replace("执委", "委员")
        entry.search_text = faq_search_text(entry.question, entry.answer)
        entry.save(update_fields=["answer", "search_text"])
    categories = {category.code: category for category in category_model.objects.all()}
    present = {entry.question for entry in entry_model.objects.filter(forms=["committee"])}
    top = entry_model.objects.order_by("-order").values_list("order", flat=True).first() or 0
    for number, (category, question, answer, step_codes, fields) in enumerate(COMMITTEE_ENTRIES, start=1):
        if question in present:
            continue
        entry_model.objects.create(
            category=categories.get(category),
            question=question,
            answer=answer,
            step_codes=step_codes,
            fields=fields,
            forms=["committee"],
            order=top + number * 10,
            published=True,
            search_text=faq_search_text(question, answer),
        )


def faq_forms_unseed(category_model, entry_model) -> None:
    """The reverse of faq_forms_seed: the 妇委会's entries go, the words of the personal-data entry come back."""
    entry_model.objects.filter(forms=["committee"], question__in=[e[1] for e in COMMITTEE_ENTRIES]).delete()
    for entry in entry_model.objects.filter(answer=PERSONAL_DATA_BEFORE.replace("执委", "委员")):
        entry.answer = PERSONAL_DATA_BEFORE
        entry.search_text = faq_search_text(entry.question, entry.answer)
        entry.save(update_fields=["answer", "search_text"])


def faq_unseed(category_model, entry_model) -> None:
    """Remove what faq_seed created (the reverse of the data migration)."""
    entry_model.objects.filter(question__in=[entry[1] for entry in ENTRIES]).delete()
    category_model.objects.filter(code__in=[code for code, _name in CATEGORIES], entries=None).delete()
