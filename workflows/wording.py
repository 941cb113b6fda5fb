"""What each form of women's organisation is called, and its posts: the seeded guidance and the papers use
these words so that a 妇委会 run speaks of 主任/副主任/委员 and a 妇联 run of 主席/副主席/执委.

Chinese on purpose: these are the words of the organisations' own papers, not of the interface.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "federation": {
        "full": "妇女联合会",
        "short": "妇联",
        "body": "执行委员会",
        "body_short": "执委会",
        "member": "委员",
        "member_long": "执行委员会委员",
        "post_member": "执委",
        "chair": "主席",
        "vice_chair": "副主席",
        "assembly": "大会",
    },
    "committee": {
        "full": "妇女委员会",
        "short": "妇委会",
        "body": "妇女委员会",
        "body_short": "妇委会",
        "member": "委员",
        "member_long": "妇女委员会委员",
        "post_member": "委员",
        "chair": "主任",
        "vice_chair": "副主任",
        "assembly": "妇女大会",
    },
    "group": {
        "full": "妇女小组",
        "short": "妇女小组",
        "body": "妇女小组",
        "body_short": "妇女小组",
        "member": "成员",
        "member_long": "妇女小组成员",
        "post_member": "成员",
        "chair": "组长",
        "vice_chair": "副组长",
        "assembly": "女职工会议",
    },
}


# the ways of forming (组建方式) as the request writes them, the seeded choices of its 组建方式 field
WAYS: dict[str, str] = {
    "standalone": "单独建立",
    "joint": "联合建立",
    "industry": "行业统建",
    "area": "区域联建",
    "fallback": "村社兜底建",
}


def form_words(form: str) -> dict[str, str]:
    """The words of a form; forms without papers of their own (a liaison …) read as a 妇联."""
    return WORDS.get(form, WORDS["federation"])
