"""Answers that pass every check of the default 妇联 template, step by step, as a liaison would type them.

`POST[code]` is the form data for the step; tests and the browser test post them.
"""

from __future__ import annotations


def _table(name: str, rows: list[dict]) -> dict[str, str]:
    return {f"{name}-{i}-{column}": value for i, row in enumerate(rows) for column, value in row.items()}


CANDIDATES = [
    {"name": "张丽", "for": "28", "against": "1", "abstain": "1"},
    {"name": "李娜", "for": "27", "against": "2", "abstain": "1"},
    {"name": "王静", "for": "26", "against": "2", "abstain": "2"},
    {"name": "赵敏", "for": "25", "against": "3", "abstain": "2"},
    {"name": "刘洋", "for": "24", "against": "3", "abstain": "3"},
    {"name": "陈红", "for": "10", "against": "15", "abstain": "5"},
]

POST: dict[str, dict[str, str]] = {
    "request": {
        "unit_name": "乌海市海勃湾区测试商会",
        "uscc": "",
        "employees": "120",
        "women": "60",
        "way": "单独建立",
        "proposed_name": "乌海市海勃湾区测试商会妇女联合会",
        "seats": "5",
        "chair_seats": "1",
        "vice_chair_seats": "1",
        "congress_date": "2026-12-20",
        "reasons": "为加强女会员的联系服务，经商会党支部研究，拟成立妇联。",
        "contact_name": "王芳",
        "contact_mobile": "13904731234",
    },
    "approval": {
        "approving_body": "海勃湾区妇联",
        "approval_number": "海妇字〔2026〕8号",
        "approval_date": "2026-11-20",
        "approved_name": "乌海市海勃湾区测试商会妇女联合会",
        "approved_seats": "5",
    },
    "preparation": {
        "members_count": "3",
        **_table(
            "members",
            [
                {"name": "王芳", "post": "组长", "mobile": "13904731234"},
                {"name": "张丽", "post": "成员", "mobile": ""},
                {"name": "李娜", "post": "成员", "mobile": ""},
            ],
        ),
        "delegate_quota": "32",
        "delegate_method": "民主推选",
        "timetable": "12月上旬产生代表，12月中旬酝酿候选人，12月20日召开大会。",
        "candidate_criteria": "热爱妇女工作，在会员中有威信。",
        "agenda": "一、筹备工作报告；二、选举；三、讲话。",
    },
    "delegates": _table(
        "delegates", [{"name": f"代表{i}", "unit_post": "会员单位职工"} for i in range(1, 33)]
    ),
    "candidates": _table(
        "candidates",
        [
            {
                "name": row["name"],
                "unit_post": "会员单位",
                "birth_month": "1985-06",
                "political_status": "群众",
            }
            for row in CANDIDATES
        ],
    ),
    "materials": {"host": "王芳", **_table("scrutineers", [{"name": "周梅", "post": "监票人"}])},
    "congress": {
        "congress_date": "2026-11-25",
        "expected": "32",
        "present": "30",
        "ballots_issued": "30",
        "ballots_returned": "30",
        "ballots_valid": "30",
        "ballots_overmarked": "0",
        "seats": "5",
        **_table("votes", CANDIDATES),
    },
    "first_meeting": {
        "meeting_date": "2026-11-25",
        **_table("leaders", [{"name": "张丽", "post": "主席"}, {"name": "李娜", "post": "副主席"}]),
    },
    "report": {
        "report_date": "2026-11-26",
        **_table(
            "executives",
            [
                {"name": "张丽", "post": "主席", "unit_post": "会员单位"},
                {"name": "李娜", "post": "副主席", "unit_post": "会员单位"},
                {"name": "王静", "post": "执委", "unit_post": "会员单位"},
                {"name": "赵敏", "post": "执委", "unit_post": "会员单位"},
                {"name": "刘洋", "post": "执委", "unit_post": "会员单位"},
            ],
        ),
    },
    "unveiling": {"established_on": "2026-11-27"},
}
