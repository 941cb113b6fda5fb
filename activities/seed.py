"""Default option lists (admin-editable afterwards): the services and the recognitions of docs/domain.md."""

# code → name; 爱心妈妈结对 records pairs (counts only: children's data stay out of the app)
ACTIVITY_TYPES = [
    ("policy", "政策宣讲"),
    ("skills", "技能培训"),
    ("parenting", "家庭教育指导"),
    ("legal", "普法维权"),
    ("counselling", "心理疏导"),
    ("health", "健康关爱/义诊"),
    ("volunteering", "巾帼志愿服务"),
    ("caring_mother", "爱心妈妈结对"),
    ("exchange", "交流学习"),
    ("entrepreneurship", "创业就业"),
]
PAIRING_TYPES = {"caring_mother"}

# name → kind
RECOGNITION_TITLES = [
    ("三八红旗手", "individual"),
    ("三八红旗集体", "collective"),
    ("最美家庭", "individual"),
    ("巾帼建功标兵", "individual"),
]


def activity_types_seed(type_model) -> None:
    """Create the default service types that are missing (takes the model so migrations can call it)."""
    for order, (code, name) in enumerate(ACTIVITY_TYPES, start=1):
        type_model.objects.get_or_create(
            code=code, defaults={"name": name, "order": order * 10, "counts_pairs": code in PAIRING_TYPES}
        )


def recognition_titles_seed(title_model) -> None:
    """Create the default recognition titles that are missing."""
    for order, (name, kind) in enumerate(RECOGNITION_TITLES, start=1):
        title_model.objects.get_or_create(name=name, defaults={"kind": kind, "order": order * 10})
